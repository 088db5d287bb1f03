"""The extracted catalog service: the monolith's catalog API, its own database.

`create_app(config)` builds the Flask app (application factory); `python -m
extracted.catalog` serves it on 8001, `... worker` applies the monolith's product
events, `... relay` publishes this service's own events back to the monolith.
"""
from __future__ import annotations

from extracted.catalog.config import CatalogConfig, read_config
from extracted.catalog.runtime import CatalogRuntime
from extracted.common.app import ServiceFlask, runtime_app

__all__ = ["create_app"]


def create_app(config: CatalogConfig | None = None, *, init_schema: bool = True) -> ServiceFlask:
    """Build the catalog service; `config` defaults to the environment's."""
    from extracted.catalog.api import bp as api_bp
    from extracted.catalog.internal import data_bp, stock_bp

    runtime = CatalogRuntime.build(config or read_config())
    if init_schema:
        runtime.init_schema()
    return runtime_app(__name__, runtime, blueprints=[api_bp, stock_bp, data_bp],
                       health={"writer": runtime.config.writer})
