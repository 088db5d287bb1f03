"""Running the shop on a laptop: debug on, embedded defaults."""
from monolith.settings.base import *  # noqa: F401,F403
from monolith.settings.env import ENV

ENV.var_dir.mkdir(parents=True, exist_ok=True)
