from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from api.org.citypack import read_dir
from api.org.cli import demo_city_dir
from models import Area, RoadSegment, RoutingRule, Unit, UnitJurisdiction, User, UserGrid

TABLES = (Area, Unit, UnitJurisdiction, RoadSegment, RoutingRule, User, UserGrid)


@pytest.fixture(scope="session")
def demo_files() -> dict[str, bytes]:
    return read_dir(demo_city_dir())


def edited(files: dict[str, bytes], name: str, edit) -> dict[str, bytes]:
    """A copy of the pack with one file's JSON changed by `edit(doc)`."""
    doc: Any = json.loads(files[name])
    edit(doc)
    return {**files, name: json.dumps(doc, ensure_ascii=False).encode()}


async def row_counts(session) -> dict[str, int]:
    return {m.__tablename__: (await session.execute(select(func.count()).select_from(m))).scalar_one()
            for m in TABLES}


@pytest.fixture(autouse=True)
def _hash_once_per_password(monkeypatch):
    """Real argon2 hashes, computed once per password: every import would otherwise hash 25 times."""
    import api.org.citypack_import as importer

    cache: dict[str, str] = _HASHES
    real = importer.hash_password

    def cached(password: str) -> str:
        if password not in cache:
            cache[password] = real(password)
        return cache[password]

    monkeypatch.setattr(importer, "hash_password", cached)


_HASHES: dict[str, str] = {}


def bearer(user) -> dict[str, str]:
    """An access token minted as the sign-in would (no argon2 round trip: these tests are about roles)."""
    from datetime import timedelta

    from api.auth.security import encode_token
    from tests.conftest import TEST_SECRET

    token = encode_token(secret=TEST_SECRET, subject=str(user.id), kind="access", lifetime=timedelta(minutes=30),
                         roles=list(user.roles))
    return {"Authorization": f"Bearer {token}"}
