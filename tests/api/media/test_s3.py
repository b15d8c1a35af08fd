"""S3Store against moto's S3 server (a real HTTP endpoint on 127.0.0.1), and uploads through it."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from api.app import create_app
from api.media.store import S3Store
from tests.factories import make_user
from tests.sync.helpers import bearer
from tests.sync.images import jpeg, sha
from tests.sync.live import free_port


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def make_store(endpoint: str, bucket: str) -> S3Store:
    store = S3Store(bucket=bucket, endpoint_url=endpoint, access_key="test", secret_key="test", region="us-east-1")
    store.ensure_bucket()
    return store


def test_put_get_exists_delete(s3_endpoint):
    store = make_store(s3_endpoint, "unit-bucket")
    name = sha(b"photo")
    assert store.get("original", name) is None and not store.exists("original", name)
    store.put("original", name, b"photo", "image/jpeg")
    store.put("thumb", name, b"t", "image/jpeg")
    assert store.get("original", name) == b"photo" and store.exists("thumb", name)
    head = store.client.head_object(Bucket="unit-bucket", Key=f"original/{name[:2]}/{name}")
    assert head["ContentType"] == "image/jpeg"
    store.delete(name)
    assert not store.exists("original", name) and not store.exists("thumb", name)


async def test_upload_and_serve_through_s3(s3_endpoint, settings, sessionmaker, session):
    make_store(s3_endpoint, "app-bucket")
    s3_settings = settings.model_copy(update={"media_backend": "s3", "s3_endpoint_url": s3_endpoint,
                                              "s3_bucket": "app-bucket", "s3_access_key": "test",
                                              "s3_secret_key": "test"})
    app = create_app(s3_settings, sessionmaker=sessionmaker)
    import httpx

    user = await make_user(session, roles=["grid_worker"])
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        headers = bearer(user)
        data = jpeg(400, 300, seed=11)
        r = await client.put(f"/api/v1/media/{sha(data)}", content=data, headers=headers)
        assert r.status_code == 201, r.text
        assert (await client.put(f"/api/v1/media/{sha(data)}", content=data, headers=headers)).status_code == 200
        got = await client.get(f"/api/v1/media/{sha(data)}", headers=headers)
        assert got.status_code == 200 and got.content == data
        thumb = await client.get(f"/api/v1/media/{sha(data)}/thumb", headers=headers)
        assert max(Image.open(io.BytesIO(thumb.content)).size) <= 320
    store = make_store(s3_endpoint, "app-bucket")
    assert store.get("original", sha(data)) == data
