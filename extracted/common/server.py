"""Serving a service's WSGI app with gunicorn (the production server) from Python."""
from __future__ import annotations

from typing import Any, Callable

from gunicorn.app.base import BaseApplication

__all__ = ["serve"]


class _Gunicorn(BaseApplication):
    def __init__(self, load: Callable[[], Any], options: dict[str, Any]):
        self._load = load
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._load()


def serve(load: Callable[[], Any], *, host: str, port: int, workers: int, threads: int) -> None:
    """Run gunicorn in this process until it is stopped; `load` builds the app per worker."""
    _Gunicorn(load, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        "timeout": 30,
        "graceful_timeout": 10,
    }).run()
