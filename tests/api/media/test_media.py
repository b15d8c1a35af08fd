"""Photo upload by hash: stored once, validated, EXIF read then stripped, served only to who may see it."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import select

from api.media.store import LocalStore
from models import Media, Report, Ticket
from tests.factories import make_category, make_unit, make_user
from tests.sync.helpers import bearer
from tests.sync.images import bomb_png, gif, gps_exif, jpeg, png, sha

URL = "/api/v1/media/"


@pytest.fixture
async def worker(client, session):
    user = await make_user(session, roles=["grid_worker"])
    return user, bearer(user)


async def put(client, headers, data: bytes, name: str | None = None):
    return await client.put(URL + (name or sha(data)), content=data,
                            headers={**headers, "Content-Type": "application/octet-stream"})


def stored(settings, name: str, kind: str = "original") -> bytes | None:
    return LocalStore(settings.media_dir).get(kind, name)


class TestUpload:
    async def test_new_photo_is_stored_then_already_stored(self, client, worker, settings, session):
        user, headers = worker
        data = jpeg(640, 480, seed=1)
        name = sha(data)
        assert (await client.head(URL + name, headers=headers)).status_code == 404
        r = await put(client, headers, data)
        assert r.status_code == 201, r.text
        assert (await client.head(URL + name, headers=headers)).status_code == 200
        assert (await put(client, headers, data)).status_code == 200
        # No metadata in, so the stored original is byte-identical to what the phone hashed.
        assert stored(settings, name) == data
        thumb = Image.open(io.BytesIO(stored(settings, name, "thumb")))
        assert thumb.format == "JPEG" and max(thumb.size) <= 320
        row = (await session.execute(select(Media).where(Media.sha256 == name))).scalar_one()
        assert (row.width, row.height, row.size, row.uploaded_by) == (640, 480, len(data), user.id)

    async def test_png_accepted(self, client, worker, settings):
        data = png()
        assert (await put(client, worker[1], data)).status_code == 201
        assert stored(settings, sha(data)) == data

    async def test_exif_read_then_stripped_and_orientation_applied(self, client, worker, settings, session):
        data = jpeg(64, 48, seed=2, exif=gps_exif(lat=32.0412, lon=118.7846, orientation=6))
        name = sha(data)
        assert (await put(client, worker[1], data)).status_code == 201
        row = (await session.execute(select(Media).where(Media.sha256 == name))).scalar_one()
        assert row.exif_lat == pytest.approx(32.0412, abs=1e-4)
        assert row.exif_lon == pytest.approx(118.7846, abs=1e-4)
        assert row.exif_taken_at == datetime(2026, 11, 20, 1, 30, tzinfo=UTC)  # 09:30 Beijing
        original = Image.open(io.BytesIO(stored(settings, name)))
        assert original.size == (48, 64)  # rotated upright
        assert dict(original.getexif()) == {}
        assert b"TestPhone" not in stored(settings, name)

    async def test_exif_stripped_losslessly_when_upright(self, client, worker, settings):
        data = jpeg(64, 48, seed=3, exif=gps_exif(lat=30.0, lon=120.0))
        assert (await put(client, worker[1], data)).status_code == 201
        kept = stored(settings, sha(data))
        assert b"Exif" not in kept and b"TestPhone" not in kept
        assert Image.open(io.BytesIO(kept)).tobytes() == Image.open(io.BytesIO(data)).tobytes()


class TestRefused:
    async def test_body_not_matching_its_name(self, client, worker):
        r = await put(client, worker[1], jpeg(seed=4), name=sha(b"something else"))
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "media_hash_mismatch"

    @pytest.mark.parametrize("data, code", [
        (b"hello, not a photo", "media_not_an_image"),
        (gif(), "media_unsupported_type"),
        (jpeg(400, 300, seed=5, noise=True)[:3000], "media_invalid_image"),
        (bomb_png(), "media_too_many_pixels"),
    ], ids=["text", "gif", "truncated-jpeg", "100-megapixel-png"])
    async def test_not_an_accepted_image(self, client, worker, data, code, session):
        r = await put(client, worker[1], data)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == code
        assert (await client.head(URL + sha(data), headers=worker[1])).status_code == 404
        assert await session.get(Media, sha(data)) is None

    async def test_too_large(self, client, worker, settings):
        data = b"\xff" * (settings.max_media_bytes + 10)
        r = await put(client, worker[1], data)
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "payload_too_large"

    async def test_bad_name(self, client, worker):
        r = await client.put(URL + "not-a-hash", content=b"x", headers=worker[1])
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "media_bad_name"

    async def test_needs_sign_in(self, client):
        assert (await client.put(URL + sha(b"x"), content=b"x")).status_code == 401


class TestServe:
    async def _ticket_with_photo(self, session, name: str, *, unit, reporter):
        category = await make_category(session)
        ticket = Ticket(number=f"T{uuid.uuid4().hex[:10]}", status="dispatched", category_code=category.code,
                        lat=32.0, lon=118.0, unit_id=unit.id)
        session.add(ticket)
        await session.flush()
        session.add(Report(id=uuid.uuid4(), reporter_id=reporter.id, category_code=category.code, lat=32.0,
                           lon=118.0, captured_at=datetime.now(UTC), photos=[name], ticket_id=ticket.id))
        await session.flush()

    async def test_only_to_who_may_see_a_ticket_with_it(self, client, session):
        unit, other_unit = await make_unit(session), await make_unit(session)
        uploader = await make_user(session, roles=["grid_worker"])
        handler = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
        stranger = await make_user(session, roles=["unit_handler"], unit_id=other_unit.id)
        volunteer = await make_user(session, roles=["volunteer"])
        dispatcher = await make_user(session, roles=["dispatcher"])
        data = jpeg(500, 400, seed=6)
        name = sha(data)
        assert (await put(client, bearer(uploader), data)).status_code == 201
        await self._ticket_with_photo(session, name, unit=unit, reporter=volunteer)

        for user, expected in [(uploader, 200), (handler, 200), (volunteer, 200), (dispatcher, 200),
                               (stranger, 403)]:
            headers = bearer(user)
            for suffix in ("", "/thumb"):
                r = await client.get(URL + name + suffix, headers=headers)
                assert r.status_code == expected, (user.roles, suffix, r.text)
        r = await client.get(URL + name, headers=bearer(handler))
        assert r.content == data
        assert r.headers["content-type"] == "image/jpeg"
        assert "immutable" in r.headers["cache-control"]
        r304 = await client.get(URL + name, headers={**bearer(handler),
                                                     "If-None-Match": r.headers["etag"]})
        assert r304.status_code == 304

    async def test_unknown_photo(self, client, worker):
        r = await client.get(URL + sha(b"nothing"), headers=worker[1])
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "media_not_found"


class TestLocalStore:
    def test_put_get_exists_delete(self, tmp_path):
        store = LocalStore(tmp_path)
        name = sha(b"abc")
        assert store.get("original", name) is None and not store.exists("thumb", name)
        store.put("original", name, b"abc", "image/jpeg")
        store.put("thumb", name, b"t", "image/jpeg")
        assert store.get("original", name) == b"abc" and store.exists("thumb", name)
        store.delete(name)
        assert not store.exists("original", name) and not store.exists("thumb", name)
        assert [p.name for p in tmp_path.rglob(".tmp-*")] == []

    async def test_concurrent_writers_of_one_hash(self, tmp_path):
        store = LocalStore(tmp_path)
        name = sha(b"same")
        await asyncio.gather(*(asyncio.to_thread(store.put, "original", name, b"same" * 1000, "image/jpeg")
                               for _ in range(8)))
        assert store.get("original", name) == b"same" * 1000
        assert [p.name for p in tmp_path.rglob(".tmp-*")] == []
