"""The `strangler` command line: one click group, one module per family of subcommands."""
from __future__ import annotations

import importlib

import click

# Each module defines click commands or groups and registers them on `main`
# through `register(main)`. Listing them here keeps start-up cheap and explicit.
_SUBCOMMAND_MODULES: tuple[str, ...] = ("stack", "proxy", "routes", "jobs", "data", "plan", "compare", "workshop")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Migrate a Django monolith to services with the strangler-fig pattern."""


for _name in _SUBCOMMAND_MODULES:
    importlib.import_module(f"strangler_proxy.cli.{_name}").register(main)
