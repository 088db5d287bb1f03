"""The coupons service's parts, built once per process from its configuration."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from extracted.common.auth import TokenVerifier
from extracted.common.db import Database
from extracted.coupons.config import CouponsConfig
from extracted.coupons.models import Base

__all__ = ["CouponsRuntime"]


@dataclass
class CouponsRuntime:
    config: CouponsConfig
    db: Database
    verifier: TokenVerifier

    @classmethod
    def build(cls, config: CouponsConfig) -> "CouponsRuntime":
        return cls(config=config, db=Database(config.database_url),
                   verifier=TokenVerifier(secret=config.jwt_secret, issuer=config.jwt_issuer))

    def init_schema(self) -> None:
        """Create the tables if missing; one process at a time on PostgreSQL."""
        with self.db.engine.begin() as connection:
            if self.db.is_postgres:
                connection.execute(text("SELECT pg_advisory_xact_lock(73003)"))
            Base.metadata.create_all(connection)
