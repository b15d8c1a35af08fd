"""The live-server fixture: fresh database (SQLite file or PostgreSQL database per TEST_DATABASE),
real migrations, the demo city, uvicorn in a subprocess. On PostgreSQL the server reaches the
database through a TCP proxy the tests can take down."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db import make_engine
from api.media.store import LocalStore
from models import Report, SyncClient
from sync.client import Outbox
from tests.conftest import PG_ADMIN_DSN, _postgres_available
from tests.sync.live import LiveServer, TcpProxy, create_database, drop_database, migrate_and_seed


@dataclass
class Live:
    server: LiveServer
    engine: AsyncEngine  # direct, for assertions
    db_proxy: TcpProxy | None  # PostgreSQL only
    http_proxy: TcpProxy
    media_dir: Path
    kind: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def proxied_url(self) -> str:
        return f"http://127.0.0.1:{self.http_proxy.port}"

    async def report_count(self, report_id: str) -> int:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(Report)
                                       .where(Report.id == report_id))).scalar_one()

    async def counter(self, client_id: str) -> int | None:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(SyncClient.last_mutation_id)
                                       .where(SyncClient.client_id == client_id))).scalar_one_or_none()

    async def assert_delivered(self, outbox: Outbox) -> int:
        """Every report in the outbox is on the server exactly once, every photo byte-identical
        (test photos carry no metadata, so the stored original is exactly what the phone hashed)."""
        import uuid

        store = LocalStore(self.media_dir)
        reports = [m for m in outbox.db.execute("SELECT args FROM mutation WHERE name = 'report.create'")]
        assert outbox.waiting() == {"mutations": 0, "photos": 0}
        import json

        for (raw,) in reports:
            args = json.loads(raw)
            assert await self.report_count(uuid.UUID(args["report_id"])) == 1, args["report_id"]
            for sha in args["photos"]:
                assert store.get("original", sha) == outbox.photo(sha), sha
        return len(reports)


@pytest.fixture(scope="module")
async def live(tmp_path_factory) -> Live:
    kind = os.environ.get("TEST_DATABASE", "sqlite")
    if kind == "postgres" and not await _postgres_available():
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unreachable at {PG_ADMIN_DSN}")
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_DSN}")
    tmp = tmp_path_factory.mktemp("live")
    url, pg_name = await create_database(kind, tmp, PG_ADMIN_DSN)
    db_proxy = None
    try:
        await migrate_and_seed(url)
        server_url = url
        if kind == "postgres":
            from sqlalchemy.engine import make_url

            parsed = make_url(url)
            db_proxy = TcpProxy(parsed.port or 5432)
            server_url = parsed.set(host="127.0.0.1", port=db_proxy.port).render_as_string(hide_password=False)
        server = LiveServer(database_url=server_url, media_dir=tmp / "media", log_path=tmp / "server.log")
        server.start()
        http_proxy = TcpProxy(server.port)
        engine = make_engine(url)
        try:
            yield Live(server=server, engine=engine, db_proxy=db_proxy, http_proxy=http_proxy,
                       media_dir=tmp / "media", kind=kind)
        finally:
            http_proxy.close()  # first: its open connections would hold up the server's shutdown
            server.stop()
            await engine.dispose()
    finally:
        if db_proxy is not None:
            db_proxy.close()
        if pg_name:
            await drop_database(pg_name, PG_ADMIN_DSN)
