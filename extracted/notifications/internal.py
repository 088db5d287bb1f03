"""Endpoints for `strangler data` only (the proxy does not route /internal)."""
from __future__ import annotations

from extracted.common.migration.views import migration_blueprint
from extracted.notifications.api import NotificationsApi, runtime
from extracted.notifications.migration.target import TABLES, WATERMARKS

__all__ = ["data_bp"]

data_bp = migration_blueprint("notifications_data", "/internal/v1/notifications", base_view=NotificationsApi,
                              database=lambda: runtime().db, tables=TABLES, watermarks=WATERMARKS)
