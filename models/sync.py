"""Server side of the offline protocol: per-client counters and the change sequence."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column

from models.base import Field, SQLModel, ts_field


class SyncClient(SQLModel, table=True):
    """One phone install: the last mutation id applied (advanced in the mutation's transaction)."""

    __tablename__ = "sync_client"

    client_id: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    last_mutation_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    updated_at: datetime = ts_field(nullable=False, default_now=True)


class Counter(SQLModel, table=True):
    """Named counters. Taking the next value row-locks it until commit, so the change
    sequence is gap-free and in commit order (readers never skip a late commit)."""

    __tablename__ = "counter"

    name: str = Field(primary_key=True, max_length=32)
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class ChangeLog(SQLModel, table=True):
    """One row per change of something a phone may pull (ticket, report, category, area)."""

    __tablename__ = "change_log"

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    entity: str = Field(max_length=16)
    entity_id: str = Field(max_length=64)
    at: datetime = ts_field(nullable=False, default_now=True)


class ChangeAudience(SQLModel, table=True):
    """Who may need a change: keys like 'all', 'user:<id>', 'unit:<id>', 'grid:<id>'.
    A change lists both the old and the new audience, so a ticket leaving a view reaches
    that view (as `del`)."""

    __tablename__ = "change_audience"

    key: str = Field(primary_key=True, max_length=48)
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
