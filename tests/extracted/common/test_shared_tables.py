from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import MetaData, inspect
from sqlalchemy.orm import DeclarativeBase

from extracted.catalog.models import InboxEntry as CatalogInbox
from extracted.common.models import Inbox, Watermark, inbox_claim
from extracted.common.runtime import ServiceRuntime
from extracted.common.settings import ServiceConfig
from extracted.notifications.models import InboxEntry as NotificationsInbox


class Base(DeclarativeBase):
    pass


class ExampleInbox(Inbox, Base):
    __tablename__ = "example_inbox"


class ExampleWatermark(Watermark, Base):
    __tablename__ = "example_backfill_watermarks"


@dataclass(frozen=True, kw_only=True)
class ExampleConfig(ServiceConfig):
    service: ClassVar[str] = "example"

    port: int = 8009


@dataclass
class ExampleRuntime(ServiceRuntime):
    metadata: ClassVar[MetaData] = Base.metadata
    schema_lock: ClassVar[int] = 73999


def _runtime(tmp_path) -> ExampleRuntime:
    runtime = ExampleRuntime.build(ExampleConfig.from_env({"STRANGLER_VAR_DIR": str(tmp_path)}))
    runtime.init_schema()
    return runtime


def test_each_services_inbox_keeps_its_own_table_and_constraint_names():
    names = {c.name for table in (CatalogInbox.__table__, NotificationsInbox.__table__) for c in table.constraints}

    assert {"catalog_inbox_once", "notifications_inbox_once"} <= names
    assert [c.name for c in ExampleInbox.__table__.columns] == ["id", "consumer", "event_id", "processed_at"]


def test_an_event_is_claimed_once_per_consumer_and_a_repeat_changes_nothing(tmp_path):
    runtime = _runtime(tmp_path)

    with runtime.db.transaction() as tx:
        first = inbox_claim(tx, ExampleInbox, consumer="a", event_id="e1")
        again = inbox_claim(tx, ExampleInbox, consumer="a", event_id="e1")
        other = inbox_claim(tx, ExampleInbox, consumer="b", event_id="e1")
    with runtime.db.transaction() as tx:
        later = inbox_claim(tx, ExampleInbox, consumer="a", event_id="e1")
        rows = tx.query(ExampleInbox).count()

    assert (first, again, other, later, rows) == (True, False, True, False, 2)
    runtime.db.dispose()


def test_a_runtime_creates_its_tables_and_a_second_start_leaves_them_be(tmp_path):
    runtime = _runtime(tmp_path)
    runtime.init_schema()

    tables = set(inspect(runtime.db.engine).get_table_names())

    assert tables == {"example_inbox", "example_backfill_watermarks"}
    assert (tmp_path / "example.sqlite3").is_file() and runtime.verifier is not None
    runtime.db.dispose()
