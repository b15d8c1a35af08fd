class TestHealth:
    async def test_alive(self, client):
        r = await client.get("/healthz")
        assert r.status_code == 200
        assert r.json() == {"status": "alive"}
        assert r.headers["x-request-id"]

    async def test_ready_checks_database_and_media(self, client):
        r = await client.get("/readyz")
        assert r.status_code == 200, r.text
        assert r.json()["checks"] == {"database": "ok", "media": "ok"}

    async def test_unknown_api_path_is_enveloped_404(self, client):
        r = await client.get("/api/v1/nope")
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"


def test_sqlite_folder_is_created_on_a_fresh_clone(tmp_path):
    from models.migrate import upgrade

    db = tmp_path / "var" / "nested" / "civicloop.db"
    upgrade(f"sqlite+aiosqlite:///{db}")
    assert db.is_file()
