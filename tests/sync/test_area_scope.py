"""A phone keeps its user's areas, not the whole city's polygons (DESIGN §6, sync.area_scope)."""

from __future__ import annotations

import json

import pytest

from sync.changes import record_change
from tests.factories import login, make_area, make_unit, make_user
from tests.sync.helpers import bearer
from tests.sync.test_pull import pull, pull_all


def area_codes(changes) -> set[str]:
    return {c["id"] for c in changes if c["type"] == "area" and c["op"] == "put"}


@pytest.fixture
async def town(session):
    """District D → street S → communities C1 (grids G11, G12) and C2 (grid G21)."""
    d = await make_area(session, level="district")
    s = await make_area(session, level="street", parent_id=d.id)
    c1 = await make_area(session, level="community", parent_id=s.id)
    c2 = await make_area(session, level="community", parent_id=s.id)
    g11 = await make_area(session, level="grid", parent_id=c1.id)
    g12 = await make_area(session, level="grid", parent_id=c1.id)
    g21 = await make_area(session, level="grid", parent_id=c2.id)
    town = {"d": d, "s": s, "c1": c1, "c2": c2, "g11": g11, "g12": g12, "g21": g21}
    for area in town.values():  # as a city-pack import records them
        await record_change(session, entity="area", entity_id=area.code, audience=["all"])
    return town


def codes(town, *names: str) -> set[str]:
    return {town[n].code for n in names}


async def first_sync(client, user, client_id: str) -> tuple[set[str], str]:
    changes, cursor = await pull_all(client, bearer(user), client_id)
    return area_codes(changes), cursor


async def test_a_grid_worker_gets_their_communities_grids_and_the_areas_above(client, session, town):
    worker = await make_user(session, roles=["grid_worker"], grids=[town["g11"]])
    got, _ = await first_sync(client, worker, "gw")
    assert codes(town, "d", "s", "c1", "g11", "g12") <= got
    assert not codes(town, "c2", "g21") & got


async def test_unit_staff_get_their_jurisdiction_and_below(client, session, town):
    unit = await make_unit(session, jurisdiction=[town["c2"]])
    handler = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
    got, _ = await first_sync(client, handler, "uh")
    assert codes(town, "d", "s", "c2", "g21") <= got
    assert not codes(town, "c1", "g11", "g12") & got


async def test_volunteers_get_the_outlines_but_no_grids_and_the_desk_everything(client, session, town):
    volunteer = await make_user(session, roles=["volunteer"])
    got, _ = await first_sync(client, volunteer, "v")
    assert codes(town, "d", "s", "c1", "c2") <= got
    assert not codes(town, "g11", "g12", "g21") & got
    dispatcher = await make_user(session, roles=["dispatcher"])
    got, _ = await first_sync(client, dispatcher, "d")
    assert codes(town, "d", "s", "c1", "c2", "g11", "g12", "g21") <= got


async def test_an_edited_area_reaches_only_the_phones_that_keep_it(client, session, town):
    worker = await make_user(session, roles=["grid_worker"], grids=[town["g11"]])
    unit = await make_unit(session, jurisdiction=[town["c2"]])
    handler = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
    _, worker_cursor = await first_sync(client, worker, "gw2")
    _, handler_cursor = await first_sync(client, handler, "uh2")
    admin = await make_user(session, roles=["admin"])
    r = await client.patch(f"/api/v1/areas/{town['g21'].code}", json={"name": "新名字"},
                           headers=await login(client, admin.username))
    assert r.status_code == 200, r.text

    worker_changes = (await pull(client, bearer(worker), "gw2", worker_cursor))["changes"]
    handler_changes = (await pull(client, bearer(handler), "uh2", handler_cursor))["changes"]
    assert town["g21"].code not in area_codes(worker_changes)
    assert [c["data"]["name"] for c in handler_changes if c["id"] == town["g21"].code] == ["新名字"]


async def test_a_new_grid_brings_its_areas_on_the_next_pull(client, session, town):
    worker = await make_user(session, roles=["grid_worker"], grids=[town["g11"]])
    _, cursor = await first_sync(client, worker, "gw3")
    admin = await make_user(session, roles=["admin"])
    r = await client.patch(f"/api/v1/users/{worker.id}", json={"grids": [town["g11"].code, town["g21"].code]},
                           headers=await login(client, admin.username))
    assert r.status_code == 200, r.text

    changes, _ = await pull_all(client, bearer(worker), "gw3", cursor)
    assert area_codes(changes) == codes(town, "c2", "g21")  # only what the phone lacked


async def test_a_wider_jurisdiction_brings_its_areas_to_the_units_phones(client, session, town):
    unit = await make_unit(session, jurisdiction=[town["c2"]])
    handler = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
    _, cursor = await first_sync(client, handler, "uh3")
    admin = await make_user(session, roles=["admin"])
    r = await client.patch(f"/api/v1/units/{unit.code}", json={"jurisdiction": [town["c2"].code, town["c1"].code]},
                           headers=await login(client, admin.username))
    assert r.status_code == 200, r.text

    changes, _ = await pull_all(client, bearer(handler), "uh3", cursor)
    assert area_codes(changes) == codes(town, "c1", "g11", "g12")


async def _import(session, **files) -> None:
    from api.org.citypack_import import import_city_pack

    await import_city_pack(session, {name.replace("_", "."): json.dumps(rows, ensure_ascii=False).encode()
                                     for name, rows in files.items()})


async def test_a_city_pack_widening_a_jurisdiction_brings_its_areas_to_the_units_phones(client, session, town):
    # The areas themselves are unchanged in the pack, so nothing else would send them.
    unit = await make_unit(session, jurisdiction=[town["c2"]])
    handler = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
    _, cursor = await first_sync(client, handler, "uh4")
    await _import(session, units_json=[{"code": unit.code, "name": unit.name, "dept_type": unit.dept_type,
                                        "jurisdiction": [town["c2"].code, town["c1"].code]}])

    changes, _ = await pull_all(client, bearer(handler), "uh4", cursor)
    assert area_codes(changes) == codes(town, "c1", "g11", "g12")


async def test_a_city_pack_giving_a_grid_worker_a_grid_brings_its_areas(client, session, town):
    worker = await make_user(session, roles=["grid_worker"], grids=[town["g11"]])
    _, cursor = await first_sync(client, worker, "gw4")
    await _import(session, users_json=[{"username": worker.username, "name": worker.name, "password": "x" * 12,
                                        "roles": ["grid_worker"], "grids": [town["g11"].code, town["g21"].code]}])

    changes, _ = await pull_all(client, bearer(worker), "gw4", cursor)
    assert area_codes(changes) == codes(town, "c2", "g21")
