"""GET /api/v1/tickets/{id}/nearby: the merge candidates a dispatcher picks from, nearest first."""

from __future__ import annotations

from api.reports import repository as report_repo
from tests.api.tickets.factories import auth, make_ticket
from tests.factories import make_category

LAT, LON = 32.0005, 118.0005
M = 1 / 111_195  # degrees of latitude per metre


async def test_open_tickets_of_the_category_within_the_radius_nearest_first(client, settings, session, city, people):
    target = await make_ticket(session, city, status="pending_verification", lat=LAT, lon=LON)
    far = await make_ticket(session, city, status="dispatched", lat=LAT + 200 * M, lon=LON)
    near = await make_ticket(session, city, status="filed", lat=LAT + 50 * M, lon=LON)
    beyond = await make_ticket(session, city, status="filed", lat=LAT + 500 * M, lon=LON)
    await make_ticket(session, city, status="closed", lat=LAT + 10 * M, lon=LON)  # not open
    other = await make_category(session)
    await make_ticket(session, city, status="filed", lat=LAT, lon=LON, category_code=other.code)

    r = await client.get(f"/api/v1/tickets/{target.id}/nearby", headers=auth(settings, people["dispatcher"]))

    assert r.status_code == 200, r.text
    body = r.json()
    assert [i["number"] for i in body["items"]] == [near.number, far.number]
    assert [round(i["distance_m"]) for i in body["items"]] == [50, 200]
    assert body["radius_m"] == 300
    wider = (await client.get(f"/api/v1/tickets/{target.id}/nearby", params={"radius_m": 600, "limit": 2},
                              headers=auth(settings, people["supervisor"]))).json()
    assert [i["number"] for i in wider["items"]] == [near.number, far.number]  # limit 2 of 3
    assert beyond.number in [i["number"] for i in (await client.get(
        f"/api/v1/tickets/{target.id}/nearby", params={"radius_m": 600},
        headers=auth(settings, people["supervisor"]))).json()["items"]]


async def test_desk_roles_only_and_bad_radius(client, settings, session, city, people):
    target = await make_ticket(session, city, status="dispatched", lat=LAT, lon=LON)
    r = await client.get(f"/api/v1/tickets/{target.id}/nearby", headers=auth(settings, people["unit_handler"]))
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbidden"
    r = await client.get(f"/api/v1/tickets/{target.id}/nearby", params={"radius_m": 5},
                         headers=auth(settings, people["dispatcher"]))
    assert r.status_code == 422 and "error" in r.json()


async def test_a_crowded_box_still_yields_the_closest(session, city):
    """The box query caps its rows; the ones it keeps are those nearest the centre."""
    corners = [await make_ticket(session, city, status="filed", lat=LAT + d * M, lon=LON + d * M * 1.18)
               for d in (250, -250, 240, -240)]
    closest = await make_ticket(session, city, status="filed", lat=LAT + 20 * M, lon=LON)
    rows = await report_repo.open_tickets_in_box(
        session, category_code=city.category.code, statuses={"filed"}, lat=(LAT - 300 * M, LAT + 300 * M),
        lon=(LON - 400 * M, LON + 400 * M), centre=(LAT, LON), limit=2)
    assert rows[0].id == closest.id
    assert rows[1].id in {corners[2].id, corners[3].id}
