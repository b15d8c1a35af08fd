"""docker-compose.yml and the Dockerfile agree with Settings (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from api.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
_VAR = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")
EXAMPLE = {"POSTGRES_PASSWORD": "s3cretpw", "SECRET_KEY": "a-long-random-secret-for-the-test-0123"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _substitute(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} interpolation."""
    def one(m: re.Match) -> str:
        name, op, arg = m.groups()
        if env.get(name):
            return env[name]
        if op == "?":
            raise KeyError(f"{name} is required: {arg}")
        return arg or ""
    return _VAR.sub(one, value)


def _app_env(compose) -> dict[str, str]:
    env = compose["services"]["app"]["environment"]
    assert isinstance(env, dict)
    return {k: str(v) for k, v in env.items()}


def test_every_app_variable_is_a_setting(compose):
    fields = set(Settings.model_fields)
    unknown = [k for k in _app_env(compose) if k.lower() not in fields]
    assert unknown == []


def test_required_variables(compose):
    env = _app_env(compose)
    assert env["ENVIRONMENT"] == "production"
    assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@db:5432/" in env["DATABASE_URL"]
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    with pytest.raises(KeyError, match="SECRET_KEY"):
        _substitute(env["SECRET_KEY"], {})


def test_settings_accept_the_environment(compose, monkeypatch):
    for key in list(Settings.model_fields):
        monkeypatch.delenv(key.upper(), raising=False)
    for key, value in _app_env(compose).items():
        monkeypatch.setenv(key, _substitute(value, EXAMPLE))
    settings = Settings(_env_file=None)
    assert settings.environment == "production" and not settings.is_sqlite
    assert settings.secret_key == EXAMPLE["SECRET_KEY"]
    assert settings.allowed_origins == ["http://localhost:8000"]


def test_media_dir_is_a_volume(compose):
    app = compose["services"]["app"]
    media = _app_env(compose)["MEDIA_DIR"]
    mounts = {v.split(":")[1] for v in app["volumes"]}
    assert media in mounts
    assert set(compose["volumes"]) >= {v.split(":")[0] for v in app["volumes"]}


def test_postgres_16_with_healthcheck_and_volume(compose):
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert compose["services"]["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    db_env = db["environment"]
    url = _substitute(_app_env(compose)["DATABASE_URL"], EXAMPLE)
    assert f"{db_env['POSTGRES_USER']}:{EXAMPLE['POSTGRES_PASSWORD']}@" in url
    assert url.endswith("/" + db_env["POSTGRES_DB"])


def test_app_migrates_then_serves(compose):
    app = compose["services"]["app"]
    assert app["build"] == "."
    command = " ".join(app["command"])
    assert "civicloop migrate && civicloop serve --host 0.0.0.0 --port 8000" in command


def test_dockerfile():
    text = (ROOT / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    assert froms[-1] == "python:3.11-slim"
    assert any(f.startswith("node:") for f in froms[:-1])
    assert "npm ci" in text and "pip install ." in text
    assert "COPY demo" in text  # seed-demo works inside the image
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "pwa/node_modules", ".env"} <= set(ignored)


def test_env_example_names_only_settings():
    names = [line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines()
             if line and not line.startswith("#")]
    assert [n for n in names if n.lower() not in Settings.model_fields] == []


def test_readme_documents_every_setting():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", section, re.M))
    assert {f.upper() for f in Settings.model_fields} - documented == set()
