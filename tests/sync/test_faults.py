"""Fault injection against a real server: whatever breaks, every report arrives exactly once and
every photo byte-identical to what the phone hashed."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from sync.client import Outbox, Phone, SyncFailed
from tests.sync.images import jpeg, sha
from tests.sync.live import ROOT

PASSWORD = "Demo@2026"
S01 = {"category_code": "09009", "lat": 32.037, "lon": 118.779}  # demo sample point (湖畔社区)


def fill(outbox: Outbox, n: int, *, seed: int, photo_px: int = 96) -> list[str]:
    ids = []
    for i in range(n):
        photo = jpeg(photo_px, photo_px, seed=seed * 1000 + i)
        ids.append(outbox.add_report(**S01, captured_at=datetime.now(UTC).isoformat(), photos=[photo],
                                     description=f"测试 {seed}-{i}", accuracy_m=5.0))
    return ids


def phone(live, tmp_path, *, user: str = "grid01", base_url: str | None = None, batch: int = 5,
          name: str = "outbox.db") -> Phone:
    outbox = Outbox(tmp_path / name)
    # Through the fault proxy every request opens its own connection (faults are armed per connection).
    limits = httpx.Limits(max_keepalive_connections=0 if base_url else 20)
    return Phone(base_url=base_url or live.url, outbox=outbox, username=user, password=PASSWORD, batch=batch,
                 http=httpx.AsyncClient(timeout=10, limits=limits))


async def test_reply_lost_after_the_server_applied(live, tmp_path):
    p = phone(live, tmp_path, base_url=live.proxied_url)
    fill(p.outbox, 3, seed=1)
    await p.login()
    live.http_proxy.arm("cut_reply")
    cuts = live.http_proxy.cuts
    with pytest.raises(SyncFailed):
        await p.push_once()
    assert live.http_proxy.cuts == cuts + 1
    # The server did apply the batch; the phone does not know and keeps everything.
    assert await live.counter(p.outbox.client_id) == 3
    assert p.outbox.waiting()["mutations"] == 3
    await p.sync(base=0.01)
    assert p.pushed == {"applied": 0, "duplicate": 3, "rejected": 0}
    assert await live.assert_delivered(p.outbox) == 3
    await p.http.aclose()


async def test_same_batch_twice(live, tmp_path):
    p = phone(live, tmp_path)
    fill(p.outbox, 4, seed=2)
    batch = p.outbox.pending_mutations()
    await p.sync(base=0.01)
    body = {"client_id": p.outbox.client_id, "mutations": batch}
    r = await p.http.post(live.url + "/api/v1/sync/push", json=body,
                          headers={"Authorization": f"Bearer {p.token}"})
    assert [x["status"] for x in r.json()["results"]] == ["duplicate"] * 4
    assert await live.assert_delivered(p.outbox) == 4
    await p.http.aclose()


async def test_same_batch_concurrently_from_two_processes(live, tmp_path):
    outbox = Outbox(tmp_path / "a.db")
    fill(outbox, 10, seed=3)
    client_id = outbox.client_id
    outbox.close()
    shutil.copy(tmp_path / "a.db", tmp_path / "b.db")  # same client id, same mutations, same photos
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.sync.phone_proc", live.url, str(tmp_path / f"{n}.db"), "grid01", PASSWORD,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for n in ("a", "b")]
    outputs = [await proc.communicate() for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), [o[1].decode()[-2000:] for o in outputs]
    pushed = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
    assert sum(x["applied"] for x in pushed) == 10  # each mutation applied by exactly one of them
    assert sum(x["rejected"] for x in pushed) == 0
    for n in ("a", "b"):
        assert await live.assert_delivered(Outbox(tmp_path / f"{n}.db")) == 10
    assert await live.counter(client_id) == 10


async def test_out_of_order_gap_then_resend(live, tmp_path):
    p = phone(live, tmp_path)
    fill(p.outbox, 5, seed=4)
    await p.login()
    mutations = p.outbox.pending_mutations()
    headers = {"Authorization": f"Bearer {p.token}"}
    cid = p.outbox.client_id
    r = await p.http.post(live.url + "/api/v1/sync/push", headers=headers,
                          json={"client_id": cid, "mutations": [mutations[0], mutations[3], mutations[4]]})
    body = r.json()
    assert [x["status"] for x in body["results"]] == ["applied"]
    assert body["stopped"] == {"reason": "gap", "expected_id": 2, "received_id": 4, "unprocessed_ids": [4, 5]}
    assert await live.report_count(uuid.UUID(mutations[3]["args"]["report_id"])) == 0
    await p.sync(base=0.01)  # the phone resends everything from 1; 1 is a duplicate
    assert p.pushed["duplicate"] == 1 and p.pushed["applied"] == 4
    assert await live.assert_delivered(p.outbox) == 5
    await p.http.aclose()


async def test_photo_upload_cut_halfway(live, tmp_path):
    p = phone(live, tmp_path, base_url=live.proxied_url)
    photo = jpeg(800, 600, seed=5, noise=True)
    p.outbox.add_report(**S01, captured_at=datetime.now(UTC).isoformat(), photos=[photo])
    while p.outbox.pending_mutations(1):
        await p.push_once()
    live.http_proxy.arm("cut_request", cut_after=len(photo) // 2)
    cuts = live.http_proxy.cuts
    with pytest.raises(SyncFailed):
        await p.upload_photos()  # HEAD → 404, then the PUT's body is cut halfway
    assert live.http_proxy.cuts == cuts + 1
    head = await p.http.head(f"{live.url}/api/v1/media/{sha(photo)}", headers={"Authorization": f"Bearer {p.token}"})
    assert head.status_code == 404  # half a photo is never "stored"
    assert p.outbox.waiting()["photos"] == 1
    await p.sync(base=0.01)
    assert await live.assert_delivered(p.outbox) == 1
    await p.http.aclose()


async def test_server_restarted_mid_sync(live, tmp_path):
    p = phone(live, tmp_path, batch=3)
    fill(p.outbox, 12, seed=6)
    first_batch_in = asyncio.Event()
    p.on_pushed = lambda ph: first_batch_in.set()
    task = asyncio.create_task(p.sync(base=0.05, cap=0.5, max_attempts=400))
    await first_batch_in.wait()
    live.server.kill()
    await asyncio.to_thread(live.server.start)
    await task
    assert await live.assert_delivered(p.outbox) == 12
    assert await live.counter(p.outbox.client_id) == 12
    await p.http.aclose()


async def test_database_briefly_unreachable(live, tmp_path):
    if live.kind != "postgres":
        pytest.skip("SQLite is a file inside the server process: there is no connection to lose "
                    "(see test_database_briefly_locked); the outage is exercised on PostgreSQL")
    p = phone(live, tmp_path)
    fill(p.outbox, 2, seed=7)
    await p.login()
    # A pull that commits before replying: once it is answered, no request is still writing
    # (the session dependency commits after the reply) when the database goes away.
    await p.pull_once()
    live.db_proxy.down()
    try:
        with pytest.raises(SyncFailed) as failed:
            await p.push_once()
        assert failed.value.status == 503
        r = await p.http.post(live.url + "/api/v1/sync/push", headers={"Authorization": f"Bearer {p.token}"},
                              json={"client_id": p.outbox.client_id, "mutations": p.outbox.pending_mutations()})
        assert r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable"
    finally:
        live.db_proxy.up()
    assert await live.counter(p.outbox.client_id) in (None, 0)
    assert p.outbox.waiting()["mutations"] == 2
    await p.sync(base=0.05, cap=0.5, max_attempts=30)
    assert p.pushed["applied"] == 2
    assert await live.assert_delivered(p.outbox) == 2
    await p.http.aclose()


async def test_database_briefly_locked(live, tmp_path):
    if live.kind != "sqlite":
        pytest.skip("SQLite only: a writer holding the file's lock")
    import sqlite3

    p = phone(live, tmp_path)
    fill(p.outbox, 2, seed=8)
    await p.login()
    path = live.engine.url.database
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    task = asyncio.create_task(p.sync(base=0.05, cap=0.5))
    await asyncio.sleep(1.0)  # the push waits on the lock (busy_timeout) instead of failing
    assert not task.done()
    blocker.execute("ROLLBACK")
    blocker.close()
    await task
    assert p.pushed["applied"] == 2
    assert await live.assert_delivered(p.outbox) == 2
    await p.http.aclose()


async def test_captive_portal_is_a_failure(tmp_path):
    """An HTML 200 from station Wi-Fi is not an answer: nothing is marked sent."""
    def portal(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, html="<html><body>请登录 WiFi</body></html>")

    outbox = Outbox(tmp_path / "o.db")
    fill(outbox, 1, seed=9)
    p = Phone(base_url="http://portal", outbox=outbox, username="grid01", password=PASSWORD,
              http=httpx.AsyncClient(transport=httpx.MockTransport(portal)))
    p.token = "x"
    with pytest.raises(SyncFailed, match="captive portal"):
        await p.push_once()
    with pytest.raises(SyncFailed):
        await p.upload_photos()
    assert outbox.waiting() == {"mutations": 1, "photos": 1}


async def test_same_photo_put_concurrently(live, tmp_path):
    p = phone(live, tmp_path)
    await p.login()
    photo = jpeg(640, 480, seed=10, noise=True)
    headers = {"Authorization": f"Bearer {p.token}"}
    clients = [httpx.AsyncClient(timeout=10) for _ in range(4)]
    try:
        replies = await asyncio.gather(*(c.put(f"{live.url}/api/v1/media/{sha(photo)}", content=photo, headers=headers)
                                         for c in clients))
    finally:
        for c in clients:
            await c.aclose()
    assert sorted(r.status_code for r in replies) == [200, 200, 200, 201]  # stored exactly once
    from api.media.store import LocalStore

    assert LocalStore(live.media_dir).get("original", sha(photo)) == photo
    await p.http.aclose()
