"""A real server for fault injection: its own database, a uvicorn subprocess, and a TCP proxy
that can cut replies, cut uploads halfway, or play a dead database."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, *, database_url: str, media_dir: Path, log_path: Path) -> None:
        self.database_url, self.media_dir, self.log_path = database_url, media_dir, log_path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": self.database_url, "MEDIA_DIR": str(self.media_dir),
               "SECRET_KEY": "live-test-secret-0123456789abcdef", "ENVIRONMENT": "test", "RUN_SWEEPER": "false",
               "PWA_DIST": str(self.media_dir.parent / "no-pwa"), "LOG_LEVEL": "WARNING"}
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning"], cwd=ROOT, env=env, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start in 30 s")

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, exactly like a crash or a pulled plug."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(1)
            except subprocess.TimeoutExpired:
                self.kill()


class TcpProxy:
    """127.0.0.1:port → 127.0.0.1:target. Faults are armed per new connection:
    - cut_reply: forward the request, then close both sides as soon as the reply starts;
    - cut_request: forward only the first `n` bytes of a request, then close;
    (both one-shot: disarmed by the first cut, so the retry goes through);
    - down: close every open connection and refuse new ones until `up()`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.mode = "pass"
        self.cut_after = 0
        self.cuts = 0
        self._conns: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def arm(self, mode: str, cut_after: int = 0) -> None:
        self.mode, self.cut_after = mode, cut_after

    def down(self) -> None:
        self.mode = "down"
        fut = asyncio.run_coroutine_threadsafe(self._close_all(), self._loop)
        fut.result(5)

    def up(self) -> None:
        self.mode = "pass"

    async def _close_all(self) -> None:
        for w in list(self._conns):
            w.transport.abort()
        self._conns.clear()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _handle(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        mode = self.mode
        if mode == "down":
            cwriter.transport.abort()
            return
        try:
            sreader, swriter = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            cwriter.transport.abort()
            return
        self._conns |= {cwriter, swriter}
        budget = self.cut_after

        def cut() -> None:
            self.cuts += 1
            if self.mode == mode:
                self.mode = "pass"  # one-shot: the retry goes through
            cwriter.transport.abort()
            swriter.transport.abort()

        async def upstream() -> None:
            nonlocal budget
            while data := await creader.read(65536):
                if mode == "cut_request":
                    if len(data) >= budget:
                        swriter.write(data[:budget])
                        await swriter.drain()
                        cut()
                        return
                    budget -= len(data)
                swriter.write(data)
                await swriter.drain()

        async def downstream() -> None:
            while data := await sreader.read(65536):
                if mode == "cut_reply":
                    cut()
                    return
                cwriter.write(data)
                await cwriter.drain()

        try:
            await asyncio.gather(upstream(), downstream())
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for w in (cwriter, swriter):
                w.transport.abort()
                self._conns.discard(w)


# --- a fresh database per module ------------------------------------------------------------------

async def create_database(kind: str, tmp: Path, pg_admin_dsn: str) -> tuple[str, str | None]:
    """Returns (url, pg database name or None)."""
    if kind == "postgres":
        import asyncpg

        name = f"civicloop_sync_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(pg_admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        base = pg_admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        return f"{base}/{name}", name
    return f"sqlite+aiosqlite:///{tmp / 'live.db'}", None


async def drop_database(name: str, pg_admin_dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(pg_admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def migrate_and_seed(url: str) -> None:
    from api.org.cli import demo_city_dir, import_dir
    from models.migrate import upgrade

    await asyncio.to_thread(upgrade, url)
    await import_dir(demo_city_dir(), url)
