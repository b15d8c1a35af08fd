from api.config.router import map_config


async def test_default_config_has_no_tiles(client):
    r = await client.get("/api/v1/config")
    assert r.status_code == 200
    body = r.json()
    assert body["map"]["provider"] == "none"
    assert body["timezone"] == "Asia/Shanghai"


def test_tianditu_needs_a_key():
    assert map_config("tianditu", None).provider == "none"
    cfg = map_config("tianditu", "abc")
    assert cfg.provider == "tianditu" and cfg.url_template.endswith("tk=abc")


def test_any_other_value_is_a_gcj02_template():
    cfg = map_config("https://tiles.example/{z}/{x}/{y}.png", None)
    assert cfg.provider == "gcj02"
