"""The intake tables. Alembic's migrations under migrations/ create them; this module is their shape."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone: it stores and returns naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: intake times are always aware UTC")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


# Constraint names fixed by convention, so that migrations can name what they change.
metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# BigInteger keys that SQLite still makes ROWID aliases (its autoincrement needs INTEGER).
SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")

intakes = Table(
    "intakes", metadata,
    Column("id", String(40), primary_key=True),
    Column("organization", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("retention_days", Integer, nullable=False),
    Column("open", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "organization", "created_at"),
)

submissions = Table(
    "submissions", metadata,
    # The order of arrival: newest first and cursors follow it; `id` is what clients see.
    Column("seq", SEQUENCE, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("intake_id", String(40), ForeignKey("intakes.id", ondelete="CASCADE"), nullable=False),
    Column("athlete_name", String(200), nullable=False),
    Column("athlete_email", String(254)),
    Column("athlete_external_id", String(200)),
    Column("answers", JSON, nullable=False),
    Column("screening", Text, nullable=False),  # the JSON body exactly as POST /v1/screenings returned it
    Column("decision", String(40), nullable=False),
    Column("refer", Boolean, nullable=False),
    Column("refer_urgency", String(16)),  # routine | urgent | null, as in the screening
    Column("rules_version", String(40), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("consent_given_at", UtcDateTime, nullable=False),
    Column("idempotency_key", String(255)),
    Column("request_digest", String(64)),
    UniqueConstraint("intake_id", "idempotency_key"),
    Index(None, "intake_id", "seq"),
)

# One row: when retention last ran, so that one worker among many runs the daily purge.
maintenance = Table(
    "maintenance", metadata,
    Column("task", String(40), primary_key=True),
    Column("last_run_at", UtcDateTime, nullable=False),
)
