"""Test harness.

TEST_DATABASE=sqlite (default) or postgres picks the database. Each pytest run gets a brand-new
database (an SQLite file, or a uniquely named PostgreSQL database beside `test`), runs the real
Alembic migrations once, and rolls back one outer transaction per test, so tests never share rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.db import make_engine
from api.settings import Settings
from models.migrate import upgrade

PG_ADMIN_DSN = os.environ.get("TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-key-0123456789abcdef"


def pytest_report_header(config):
    return f"database: {os.environ.get('TEST_DATABASE', 'sqlite')}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _postgres_available() -> bool:
    try:
        await _pg_admin("SELECT 1")
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory) -> AsyncIterator[str]:
    kind = os.environ.get("TEST_DATABASE", "sqlite")
    if kind == "postgres":
        if not await _postgres_available():
            if os.environ.get("REQUIRE_POSTGRES") == "1":
                pytest.fail(f"PostgreSQL is required but unreachable at {PG_ADMIN_DSN}")
            pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_DSN}")
        name = f"civicloop_test_{uuid.uuid4().hex[:12]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        url = f"{base}/{name}"
        try:
            await _run_migrations(url)
            yield url
        finally:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path: Path = tmp_path_factory.mktemp("db") / "civicloop.db"
        url = f"sqlite+aiosqlite:///{path}"
        await _run_migrations(url)
        yield url


async def _run_migrations(url: str) -> None:
    import asyncio

    # Alembic's env.py runs its own event loop; keep it off ours.
    await asyncio.to_thread(upgrade, url)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        outer = await conn.begin()
        if conn.dialect.name == "postgresql":
            # Nothing here ever really commits, so work PostgreSQL defers to COMMIT (numbering
            # sync changes: migration 0007) runs at once instead. tests/sync/test_commit_numbering.py
            # checks the deferred path itself with real commits.
            await conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        yield conn
        if outer.is_active:
            await outer.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    # Application commits become SAVEPOINT releases inside the test's outer transaction.
    return async_sessionmaker(bind=connection, expire_on_commit=False, autoflush=False,
                              join_transaction_mode="create_savepoint")


@pytest.fixture
async def session(sessionmaker) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(environment="test", database_url=database_url, media_dir=tmp_path / "media",
                    secret_key=TEST_SECRET, run_sweeper=False, pwa_dist=tmp_path / "no-pwa")


@pytest.fixture
async def app(settings: Settings, sessionmaker):
    application = create_app(settings, sessionmaker=sessionmaker)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c
