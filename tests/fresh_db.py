"""A brand-new, empty database of the current TEST_DATABASE kind, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_DSN, _pg_admin, _postgres_available


@asynccontextmanager
async def fresh_database(tmp_path: Path) -> AsyncIterator[str]:
    if os.environ.get("TEST_DATABASE", "sqlite") != "postgres":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    if not await _postgres_available():
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_DSN}")
    name = f"civicloop_fresh_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        yield f"{base}/{name}"
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
