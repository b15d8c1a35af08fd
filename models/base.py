"""Shared column types and metadata conventions for every table.

- UUID primary keys (phones mint report ids offline).
- Timezone-aware UTC timestamps on both SQLite and PostgreSQL.
- A constraint naming convention so Alembic migrations are stable across databases.
- Statuses are short strings, never native ENUMs (Alembic cannot migrate those).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; SQLite hands back naive values, which we re-tag as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware UTC datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def json_field(default_factory: Any = dict, **kw: Any) -> Any:
    from sqlalchemy import Column

    return Field(default_factory=default_factory, sa_column=Column(JSONType, nullable=False, **kw))


def ts_field(*, nullable: bool = True, index: bool = False, default_now: bool = False) -> Any:
    from sqlalchemy import Column

    kwargs: dict[str, Any] = {"default_factory": utcnow} if default_now else {"default": None}
    return Field(**kwargs, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


__all__ = ["Field", "SQLModel", "metadata", "utcnow", "new_id", "UTCDateTime", "json_field", "ts_field"]
