"""The extracted catalog service: the monolith's catalog API, its own database.

`create_app(config)` builds the Flask app (application factory); `python -m
extracted.catalog` serves it on 8001, `... worker` applies the monolith's product
events, `... relay` publishes this service's own events back to the monolith.
"""
from __future__ import annotations

from extracted.catalog.config import CatalogConfig, read_config
from extracted.catalog.runtime import CatalogRuntime
from extracted.common.app import ServiceFlask, service_app
from extracted.common.responses import drf_json

__all__ = ["create_app"]


def create_app(config: CatalogConfig | None = None, *, init_schema: bool = True) -> ServiceFlask:
    """Build the catalog service; `config` defaults to the environment's."""
    from extracted.catalog.api import bp as api_bp
    from extracted.catalog.internal import data_bp, stock_bp

    config = config or read_config()
    runtime = CatalogRuntime.build(config)
    if init_schema:
        runtime.init_schema()
    app = service_app(__name__, allowed_hosts=config.allowed_hosts, max_body_bytes=config.max_body_bytes)
    app.extensions["catalog"] = runtime
    app.register_blueprint(api_bp)
    app.register_blueprint(stock_bp)
    app.register_blueprint(data_bp)

    @app.get("/healthz")
    def healthz():
        return drf_json({"status": "ok", "service": "catalog", "writer": config.writer})

    return app
