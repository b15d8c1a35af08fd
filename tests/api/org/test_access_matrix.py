"""Who may call which admin endpoint: every role × every endpoint, and no token at all."""

from __future__ import annotations

import json

import pytest

from models.users import ROLES
from tests.api.org.conftest import bearer
from tests.factories import make_area, make_category, make_unit, make_user, square

ADMIN = {"admin"}
DESK_READ = {"admin", "dispatcher", "supervisor"}
EVERYONE = set(ROLES)


def _endpoints():
    # (method, path template, body, roles allowed); {area}, {unit}, {cat}, {user} are filled per test.
    return [
        ("GET", "/api/v1/areas", None, DESK_READ),
        ("GET", "/api/v1/areas/{area}", None, DESK_READ),
        ("POST", "/api/v1/areas", lambda n: {"code": f"M{n}", "name": "新区", "level": "district",
                                             "geometry": square(118.9, 32.1)}, ADMIN),
        ("PATCH", "/api/v1/areas/{area}", lambda n: {"name": "改名"}, ADMIN),
        ("GET", "/api/v1/units", None, DESK_READ),
        ("GET", "/api/v1/units/{unit}", None, DESK_READ),
        ("POST", "/api/v1/units", lambda n: {"code": f"MU{n}", "name": "新单位", "dept_type": "sanitation"}, ADMIN),
        ("PATCH", "/api/v1/units/{unit}", lambda n: {"name": "改名"}, ADMIN),
        ("GET", "/api/v1/categories", None, EVERYONE),
        ("GET", "/api/v1/categories/{cat}", None, EVERYONE),
        ("POST", "/api/v1/categories", lambda n: {"code": f"10{n:03d}", "name": "本地事项",
                                                  "dept_type": "street_office"}, ADMIN),
        ("PATCH", "/api/v1/categories/{cat}", lambda n: {"hint": "提示"}, ADMIN),
        ("GET", "/api/v1/users", None, ADMIN),
        ("GET", "/api/v1/users/{user}", None, ADMIN),
        ("POST", "/api/v1/users", lambda n: {"username": f"new{n}", "name": "新用户", "password": "Passw0rd!x",
                                             "roles": ["volunteer"]}, ADMIN),
        ("PATCH", "/api/v1/users/{user}", lambda n: {"name": "改名"}, ADMIN),
    ]


ENDPOINTS = _endpoints()
_ids = [f"{m} {p}" for m, p, _, _ in ENDPOINTS]


@pytest.fixture
async def targets(session):
    area = await make_area(session, level="district")
    unit = await make_unit(session)
    cat = await make_category(session, code="10900")
    user = await make_user(session)
    return {"area": area.code, "unit": unit.code, "cat": cat.code, "user": str(user.id)}


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS, ids=_ids)
async def test_role_matrix(client, session, targets, method, path, body, allowed):
    # One app per endpoint, every role against it (an app per cell makes the matrix slow).
    seen = {}
    for n, role in enumerate(ROLES):
        caller = await make_user(session, roles=[role])
        payload = body(700 + n) if body else None
        r = await client.request(method, path.format(**targets), json=payload, headers=bearer(caller))
        seen[role] = r.status_code
        if role not in allowed:
            assert r.json()["error"]["code"] == "role_forbidden", r.text
    expected = {role: (seen[role] if seen[role] in (200, 201) else "2xx") if role in allowed else 403
                for role in ROLES}
    assert seen == expected


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS, ids=_ids)
async def test_no_token(client, targets, method, path, body, allowed):
    r = await client.request(method, path.format(**targets), json=body(1) if body else None)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"


WRITES = [(m, p, b) for m, p, b, _ in ENDPOINTS if m in ("POST", "PATCH")]
BAD_BODIES = {
    "malformed_json": (b'{"name": "x",', "malformed_json"),
    "not_an_object": (b'["a", "b"]', "validation_error"),
    "wrong_types": (None, "validation_error"),
    "unknown_field": (None, "validation_error"),
}


@pytest.mark.parametrize("kind", list(BAD_BODIES))
@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
async def test_bad_input_is_an_envelope(client, session, targets, kind, method, path, body):
    admin = await make_user(session, roles=["admin"])
    raw, code = BAD_BODIES[kind]
    if kind == "wrong_types":
        raw = json.dumps({k: [v] if isinstance(v, str) else "x" for k, v in body(900).items()}).encode()
    elif kind == "unknown_field":
        raw = json.dumps({**body(901), "is_superuser": True}).encode()
    r = await client.request(method, path.format(**targets), content=raw,
                             headers={**bearer(admin), "content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code
