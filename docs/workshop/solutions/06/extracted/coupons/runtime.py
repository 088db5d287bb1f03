"""The coupons service's parts, built once per process from its configuration."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import MetaData

from extracted.common.runtime import ServiceRuntime
from extracted.coupons.config import CouponsConfig
from extracted.coupons.models import Base

__all__ = ["CouponsRuntime"]


@dataclass
class CouponsRuntime(ServiceRuntime):
    config: CouponsConfig

    metadata: ClassVar[MetaData] = Base.metadata
    schema_lock: ClassVar[int] = 73003
