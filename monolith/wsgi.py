"""WSGI entry point of the shop monolith."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.settings.local")
application = get_wsgi_application()
