"""`python -m extracted.coupons [serve|initdb]`: run the coupons service."""
from __future__ import annotations

import sys

from extracted.common.cli import service_cli
from extracted.coupons import create_app
from extracted.coupons.config import CouponsConfig, read_config
from extracted.coupons.runtime import CouponsRuntime

main = service_cli(CouponsConfig, read_config=read_config, runtime=CouponsRuntime, create_app=create_app)

if __name__ == "__main__":
    sys.exit(main())
