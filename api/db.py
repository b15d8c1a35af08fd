"""The async database engine and the one-unit-of-work-per-request session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def ensure_sqlite_folder(database_url: str) -> None:
    """A fresh clone has no ./var: create the folder an SQLite file lives in."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def make_engine(database_url: str) -> AsyncEngine:
    ensure_sqlite_folder(database_url)
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Let SQLAlchemy, not the driver, open transactions (so SAVEPOINTs work) ...
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn):
            # ... and take the write lock up front: a deferred transaction that reads and then
            # writes fails at once with "database is locked" instead of waiting its turn.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # JIT off: our heaviest statements (the statistics over a month of a big city) are short
    # analytic scans where PostgreSQL's JIT spent longer compiling than it saved (dashboard at 1M
    # tickets: 1.9 s → 1.3 s; docs/benchmarks.md). Everything else is OLTP, which JIT never helps.
    connect_args = {"server_settings": {"jit": "off"}} if make_url(database_url).get_driver_name() == "asyncpg" else {}
    return create_async_engine(database_url, pool_size=10, max_overflow=20, pool_pre_ping=True,
                               connect_args=connect_args)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Commit on success, roll back on any error: services flush, never commit."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit before the response is sent, so a failed commit is an error reply,
# never a 200 for a write that did not happen.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
