"""Production: everything from the environment, nothing insecure by default."""
import os

from monolith.settings.base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
STRANGLER["JWT_SECRET"] = os.environ["STRANGLER_JWT_SECRET"]  # noqa: F405
