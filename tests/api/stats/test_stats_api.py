"""Statistics endpoints: the published figure, rankings, areas, categories, reporters, dashboard,
the 通报 CSV and who may see what."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from models import Report
from tests.api.stats.builders import event_row, insert_events, insert_tickets, ticket_row
from tests.factories import login, make_area, make_unit, make_user

MONTH = "2026-10"
DAY = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


def due_cohort(unit, *, on_time: int, late: int = 0, open_: int = 0, start: datetime = DAY, **kw):
    """Dispatched tickets due in October: closed on time, closed late, and still open (overdue)."""
    tickets, events = [], []
    plan = [("on_time", on_time), ("late", late), ("open", open_)]
    i = 0
    for kind, n in plan:
        for _ in range(n):
            dispatched = start + timedelta(minutes=i % 600)
            due = dispatched + timedelta(hours=4)
            closed = kind != "open"
            t = ticket_row(unit_id=unit.id, status="closed" if closed else "in_progress",
                           reported_at=dispatched - timedelta(minutes=5), filed_at=dispatched - timedelta(minutes=2),
                           dispatched_at=dispatched, due_at=due,
                           handled_at=(due - timedelta(hours=1)) if kind == "on_time" else
                           (due + timedelta(hours=1) if kind == "late" else None),
                           handled_on_time={"on_time": True, "late": False}.get(kind),
                           closed_at=(due - timedelta(minutes=30)) if kind == "on_time" else
                           (due + timedelta(hours=2) if kind == "late" else None),
                           closed_on_time={"on_time": True, "late": False}.get(kind), **kw)
            tickets.append(t)
            events.append(event_row(ticket_id=t["id"], action="dispatch", at=dispatched, unit_id=unit.id,
                                    actor_role="dispatcher", from_status="filed", to_status="dispatched"))
            i += 1
    return tickets, events


async def insert(session, tickets, events=()):
    await insert_tickets(session, tickets)
    if events:
        await insert_events(session, list(events))


async def desk(client, session, role="supervisor"):
    user = await make_user(session, roles=[role])
    return await login(client, user.username)


def unit_row(body, unit):
    for group in body["groups"]:
        for row in group["units"]:
            if row["unit_id"] == str(unit.id):
                return row
    raise AssertionError(f"unit {unit.code} not in the answer")


class TestPublishedFigure:
    async def test_972_due_911_closed_737_on_time(self, client, session):
        unit = await make_unit(session, dept_type="city_management")
        tickets, events = due_cohort(unit, on_time=737, late=911 - 737, open_=972 - 911)
        await insert(session, tickets, events)

        r = await client.get("/api/v1/stats/units", params={"month": MONTH}, headers=await desk(client, session))

        assert r.status_code == 200, r.text
        row = unit_row(r.json(), unit)
        assert row["counts"]["to_close"] == 972
        assert row["counts"]["closed"] == 911
        assert row["counts"]["closed_on_time"] == 737
        assert row["rates"]["close_rate"] == 93.72
        assert row["rates"]["on_time_close_rate"] == 75.82
        assert row["counts"]["overdue_unhandled"] == 61 == row["overdue_backlog"]
        assert row["counts"]["to_dispatch"] == 972 and row["rates"]["dispatch_accuracy"] == 100.0
        # 30×737/972 + 20×737/972 + 20 + 20×(1 − 61/972) + 10 = 86.66 → B
        assert row["score"] == 86.66 and row["grade"] == "B"

    async def test_other_months_and_excluded_states_do_not_count(self, client, session):
        unit = await make_unit(session)
        in_month, _ = due_cohort(unit, on_time=3)
        next_month, _ = due_cohort(unit, on_time=5, start=datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
        parked, _ = due_cohort(unit, on_time=0, open_=2, )
        for t in parked:
            t["status"] = "parked"
        returned, _ = due_cohort(unit, on_time=0, open_=1)
        returned[0]["status"] = "returned"
        never_dispatched = ticket_row(unit_id=unit.id, status="filed", due_at=DAY)
        # Due on 31 Oct at 23:30 Shanghai time is October; 1 Nov 00:10 Shanghai is November.
        edge_in, _ = due_cohort(unit, on_time=1, start=datetime(2026, 10, 31, 11, 30, tzinfo=UTC))
        edge_out, _ = due_cohort(unit, on_time=1, start=datetime(2026, 10, 31, 12, 10, tzinfo=UTC))
        await insert(session, in_month + next_month + parked + returned + [never_dispatched] + edge_in + edge_out)

        r = await client.get("/api/v1/stats/units", params={"month": MONTH}, headers=await desk(client, session))

        row = unit_row(r.json(), unit)
        assert row["counts"]["to_close"] == 4  # 3 + the 23:30 edge


class TestTimelineCounts:
    async def test_returns_extensions_rework_and_rechecks(self, client, session):
        unit = await make_unit(session)
        tickets, events = due_cohort(unit, on_time=4)
        a, b, c, d = (t["id"] for t in tickets)
        at = DAY + timedelta(minutes=30)
        events += [
            event_row(ticket_id=a, action="return", at=at, unit_id=unit.id),
            event_row(ticket_id=a, action="redispatch", at=at + timedelta(minutes=5), unit_id=unit.id),
            event_row(ticket_id=b, action="approve_extension", at=at, unit_id=unit.id),
            event_row(ticket_id=b, action="approve_extension", at=at + timedelta(hours=1), unit_id=unit.id),
            event_row(ticket_id=c, action="recheck_fail", at=at, unit_id=unit.id),
            # Handled Monday 10:00 local: the re-check is due by 12:00 (2 working hours).
            event_row(ticket_id=c, action="handle", at=DAY, unit_id=unit.id),
            event_row(ticket_id=c, action="recheck_pass", at=DAY + timedelta(minutes=90), unit_id=unit.id),
            event_row(ticket_id=d, action="handle", at=DAY, unit_id=unit.id),
            event_row(ticket_id=d, action="recheck_pass", at=DAY + timedelta(hours=4, minutes=30), unit_id=unit.id),
        ]
        await insert(session, tickets, events)

        r = await client.get("/api/v1/stats/units", params={"month": MONTH}, headers=await desk(client, session))

        row = unit_row(r.json(), unit)
        counts, rates = row["counts"], row["rates"]
        assert (counts["to_dispatch"], counts["returned"]) == (5, 1) and rates["dispatch_accuracy"] == 80.0
        assert counts["extended"] == 1 and rates["extension_rate"] == 25.0  # tickets, not requests
        assert counts["reworked"] == 1 and rates["rework_rate"] == 25.0
        assert (counts["to_recheck"], counts["rechecked_on_time"]) == (2, 1)
        assert rates["on_time_recheck_rate"] == 50.0


class TestRanking:
    async def test_peer_groups_best_worst_and_backlog(self, client, session):
        good = await make_unit(session, dept_type="sanitation", name="环卫处")
        poor = await make_unit(session, dept_type="traffic_police", name="交警大队")
        middle = await make_unit(session, dept_type="city_management", name="城管局")
        idle = await make_unit(session, dept_type="municipal", name="市政处")
        street = await make_unit(session, dept_type="street_office", name="某街道办")
        bikes = await make_unit(session, dept_type="bike_operator", name="某单车公司")
        rows = []
        for unit, (ok, late, open_) in [(good, (10, 0, 0)), (poor, (2, 3, 5)), (middle, (6, 3, 1)),
                                        (street, (5, 0, 0)), (bikes, (1, 1, 0))]:
            rows += due_cohort(unit, on_time=ok, late=late, open_=open_)[0]
        # An old overdue ticket from September counts in the backlog, not in October's figures.
        rows += due_cohort(idle, on_time=0, open_=1, start=datetime(2026, 9, 10, 2, tzinfo=UTC))[0]
        await insert(session, rows)

        r = await client.get("/api/v1/stats/units", params={"month": MONTH}, headers=await desk(client, session))

        body = r.json()
        groups = {g["key"]: g for g in body["groups"]}
        assert list(groups) == ["city_department", "street_office", "enterprise"]
        dept = groups["city_department"]
        assert [u["unit_name"] for u in dept["units"]] == ["环卫处", "城管局", "交警大队", "市政处"]
        assert [u["rank"] for u in dept["units"]] == [1, 2, 3, None]
        assert dept["best"]["unit_name"] == "环卫处" and dept["best"]["grade"] == "A"
        assert dept["worst"]["unit_name"] == "交警大队" and dept["worst"]["overdue_backlog"] == 5
        assert unit_row(body, idle)["overdue_backlog"] == 1 and unit_row(body, idle)["score"] is None
        assert groups["street_office"]["best"]["unit_name"] == "某街道办"
        assert groups["street_office"]["worst"] is None  # one ranked unit: no worst to name
        assert body["weights"]["on_time_handle"] == 30


class TestNoticeCsv:
    async def test_bom_columns_and_rows(self, client, session):
        a = await make_unit(session, dept_type="sanitation", name="环卫处")
        b = await make_unit(session, dept_type="street_office", name="某街道办")
        await insert(session, due_cohort(a, on_time=9, late=1)[0] + due_cohort(b, on_time=1, open_=1)[0])

        r = await client.get("/api/v1/stats/notice.csv", params={"month": MONTH},
                             headers=await desk(client, session, "dispatcher"))

        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        assert "notice-2026-10.csv" in r.headers["content-disposition"]
        assert r.content.startswith(b"\xef\xbb\xbf")
        table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        header = table[0]
        assert header[:4] == ["排名", "单位编码", "责任单位", "同类组"]
        assert header[-3:] == ["得分", "等级", "遗留超期未处置案件"]
        for needed in ("应处置数", "按期处置数", "超期未处置数", "延期数", "应结案数", "结案数", "按期结案数",
                       "返工数", "结案率(%)", "按期结案率(%)", "按期处置率(%)", "返工率(%)"):
            assert needed in header
        rows = {r[2]: dict(zip(header, r, strict=True)) for r in table[1:]}
        assert rows["环卫处"]["排名"] == "1" and rows["环卫处"]["同类组"] == "市直部门"
        assert rows["环卫处"]["结案率(%)"] == "100.00" and rows["环卫处"]["按期结案率(%)"] == "90.00"
        assert rows["某街道办"]["遗留超期未处置案件"] == "1" and rows["某街道办"]["结案率(%)"] == "50.00"
        assert rows["环卫处"]["等级"] in "ABCDE"

    async def test_month_is_required_and_checked(self, client, session):
        headers = await desk(client, session)
        assert (await client.get("/api/v1/stats/notice.csv", headers=headers)).status_code == 422
        r = await client.get("/api/v1/stats/notice.csv", params={"month": "2026-13"}, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["code"] == "bad_period"


class TestAreasCategoriesReporters:
    async def test_areas_include_descendants(self, client, session):
        district = await make_area(session, level="district", code="D1")
        street = await make_area(session, level="street", code="S1", parent_id=district.id)
        other_street = await make_area(session, level="street", code="S2", parent_id=district.id)
        c1 = await make_area(session, level="community", code="C1", parent_id=street.id)
        g1 = await make_area(session, level="grid", code="G1", parent_id=c1.id)
        g2 = await make_area(session, level="grid", code="G2", parent_id=c1.id)
        unit = await make_unit(session)
        rows = (due_cohort(unit, on_time=3, grid_id=g1.id, street_id=street.id)[0]
                + due_cohort(unit, on_time=1, open_=1, grid_id=g2.id, street_id=street.id)[0]
                + due_cohort(unit, on_time=2, street_id=street.id)[0]  # no grid: counts for the street
                + due_cohort(unit, on_time=4, grid_id=None, street_id=other_street.id)[0])
        await insert(session, rows)
        headers = await desk(client, session)

        streets = (await client.get("/api/v1/stats/areas", params={"month": MONTH}, headers=headers)).json()
        by_code = {a["code"]: a for a in streets["areas"]}
        assert by_code["S1"]["counts"]["to_close"] == 7 and by_code["S1"]["counts"]["closed"] == 6
        assert by_code["S2"]["counts"]["to_close"] == 4
        grids = (await client.get("/api/v1/stats/areas", params={"month": MONTH, "level": "grid", "parent": "S1"},
                                  headers=headers)).json()
        assert {a["code"]: a["counts"]["to_close"] for a in grids["areas"]} == {"G1": 3, "G2": 2}
        communities = (await client.get("/api/v1/stats/areas", params={"month": MONTH, "level": "community"},
                                        headers=headers)).json()
        assert [(a["code"], a["counts"]["to_close"], a["parent_code"]) for a in communities["areas"]] == [
            ("C1", 5, "S1")]
        district_row = (await client.get("/api/v1/stats/areas", params={"month": MONTH, "level": "district"},
                                         headers=headers)).json()["areas"]
        assert [(a["code"], a["counts"]["to_close"]) for a in district_row] == [("D1", 11)]
        bad = await client.get("/api/v1/stats/areas", params={"level": "planet"}, headers=headers)
        assert bad.status_code == 422
        missing = await client.get("/api/v1/stats/areas", params={"parent": "nowhere"}, headers=headers)
        assert missing.status_code == 404

    async def test_categories(self, client, session):
        unit = await make_unit(session)
        await insert(session, due_cohort(unit, on_time=2, category_code="09006")[0]
                     + due_cohort(unit, on_time=1, late=1, category_code="06010")[0]
                     + due_cohort(unit, on_time=1, category_code="06010")[0])
        body = (await client.get("/api/v1/stats/categories", params={"month": MONTH},
                                 headers=await desk(client, session))).json()
        rows = {c["code"]: c for c in body["categories"]}
        assert rows["06010"]["name"] == "暴露垃圾" and rows["06010"]["counts"]["reported"] == 3
        assert rows["06010"]["rates"]["on_time_close_rate"] == 66.67
        assert rows["09006"]["counts"]["to_close"] == 2
        assert [c["code"] for c in body["categories"]][:2] == ["06010", "09006"]

    async def test_reporters_accuracy_and_self_handling(self, client, session):
        worker = await make_user(session, roles=["grid_worker"])
        volunteer = await make_user(session, roles=["volunteer"])
        filed = ticket_row(status="filed", reported_at=DAY, filed_at=DAY)
        rejected = ticket_row(status="rejected", reported_at=DAY, rejected_at=DAY)
        fixed = ticket_row(status="closed", reported_at=DAY, filed_at=DAY, closed_at=DAY)
        await insert(session, [filed, rejected, fixed])
        for reporter, ticket, source, on_spot in [(worker, filed, "grid_worker", False),
                                                  (worker, fixed, "grid_worker", True),
                                                  (worker, rejected, "grid_worker", False),
                                                  (volunteer, rejected, "volunteer", False),
                                                  (volunteer, filed, "volunteer", False)]:
            session.add(Report(id=uuid.uuid4(), reporter_id=reporter.id, source=source, category_code="06010",
                               lat=32, lon=118, captured_at=DAY, ticket_id=ticket["id"], fixed_on_spot=on_spot))
        await session.flush()

        body = (await client.get("/api/v1/stats/reporters", params={"month": MONTH},
                                 headers=await desk(client, session))).json()

        rows = {r["user_id"]: r for r in body["reporters"]}
        w, v = rows[str(worker.id)], rows[str(volunteer.id)]
        assert (w["reported"], w["valid_reported"], w["self_handled"], w["closed"]) == (3, 2, 1, 1)
        assert w["valid_report_rate"] == 66.67 and w["by_source"] == {"grid_worker": 3}
        assert (v["reported"], v["valid_report_rate"]) == (2, 50.0)
        assert body["reporters"][0]["user_id"] == str(worker.id)


class TestDashboard:
    async def test_trend_sources_and_category_mix(self, client, session):
        unit = await make_unit(session, dept_type="sanitation")
        rows = due_cohort(unit, on_time=2, category_code="09006")[0] + due_cohort(unit, on_time=1, late=1)[0]
        rows[0]["source"] = "volunteer"
        rows[1]["source"] = "hotline"
        # Reported at 23:50 on 14 Oct Shanghai time (15:50 UTC): belongs to the 14th, not the 15th.
        rows.append(ticket_row(status="reported", reported_at=datetime(2026, 10, 14, 15, 50, tzinfo=UTC),
                               source="inspection"))
        await insert(session, rows)

        r = await client.get("/api/v1/stats/dashboard", params={"month": MONTH},
                             headers=await desk(client, session))

        body = r.json()
        assert len(body["trend"]) == 31 and body["trend"][0]["date"] == "2026-10-01"
        by_day = {d["date"]: d for d in body["trend"]}
        assert by_day["2026-10-12"]["reported"] == 4 and by_day["2026-10-12"]["closed"] == 4
        assert by_day["2026-10-14"]["reported"] == 1 and by_day["2026-10-15"]["reported"] == 0
        assert body["by_source"] == {"grid_worker": 2, "volunteer": 1, "hotline": 1, "inspection": 1, "desk": 0}
        assert body["totals"]["counts"]["to_close"] == 4 and body["totals"]["rates"]["close_rate"] == 100.0
        mix = {m["code"]: m for m in body["category_mix"]}
        assert mix["06010"]["count"] == 3 and mix["06010"]["share"] == 60.0 and mix["06010"]["name"] == "暴露垃圾"
        assert body["rankings"][0]["key"] == "city_department"
        assert body["rankings"][0]["best"]["unit_id"] == str(unit.id)


class TestAccess:
    @pytest.mark.parametrize("role", ["grid_worker", "volunteer"])
    async def test_field_roles_forbidden(self, client, session, role):
        headers = await desk(client, session, role)
        for path in ("units", "areas", "reporters", "categories", "dashboard"):
            r = await client.get(f"/api/v1/stats/{path}", headers=headers)
            assert r.status_code == 403, path
        assert (await client.get("/api/v1/stats/notice.csv?month=2026-10", headers=headers)).status_code == 403

    async def test_sign_in_required(self, client):
        assert (await client.get("/api/v1/stats/units")).status_code == 401

    @pytest.mark.parametrize("role", ["supervisor", "dispatcher", "admin"])
    async def test_desk_roles_see_the_city(self, client, session, role):
        a, b = await make_unit(session), await make_unit(session)
        await insert(session, due_cohort(a, on_time=1)[0] + due_cohort(b, on_time=2)[0])
        r = await client.get("/api/v1/stats/units", params={"month": MONTH}, headers=await desk(client, session, role))
        assert r.status_code == 200
        assert unit_row(r.json(), a)["counts"]["to_close"] == 1
        assert unit_row(r.json(), b)["counts"]["to_close"] == 2
        csv_r = await client.get("/api/v1/stats/notice.csv", params={"month": MONTH},
                                 headers=await desk(client, session, role))
        assert csv_r.status_code == 200

    async def test_unit_handler_sees_only_their_unit(self, client, session):
        mine, theirs = await make_unit(session, dept_type="sanitation"), await make_unit(session, dept_type="sanitation")
        handler = await make_user(session, roles=["unit_handler"], unit_id=mine.id)
        await insert(session, due_cohort(mine, on_time=1, open_=1)[0] + due_cohort(theirs, on_time=5)[0])
        headers = await login(client, handler.username)

        units = (await client.get("/api/v1/stats/units", params={"month": MONTH}, headers=headers)).json()
        visible = [u["unit_id"] for g in units["groups"] for u in g["units"]]
        assert visible == [str(mine.id)]
        assert unit_row(units, mine)["rank"] == 2  # ranked against the whole peer group
        dash = (await client.get("/api/v1/stats/dashboard", params={"month": MONTH}, headers=headers)).json()
        assert dash["totals"]["counts"]["to_close"] == 2 and dash["rankings"] == []
        cats = (await client.get("/api/v1/stats/categories", params={"month": MONTH}, headers=headers)).json()
        assert sum(c["counts"]["to_close"] for c in cats["categories"]) == 2
        assert (await client.get("/api/v1/stats/notice.csv?month=2026-10", headers=headers)).status_code == 403

    async def test_unit_handler_without_a_unit_is_forbidden(self, client, session):
        headers = await desk(client, session, "unit_handler")
        assert (await client.get("/api/v1/stats/dashboard", headers=headers)).status_code == 403
