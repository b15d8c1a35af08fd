"""service.perform: each action by the right role, its evidence, milestones, counters and event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from api.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from api.tickets.service import perform
from models import ChangeAudience, ChangeLog, Notification, Report, TicketEvent, utcnow
from tests.api.tickets.factories import as_principal, make_ticket, sha
from tests.factories import make_unit, make_user


async def act(session, people, role, ticket, action, payload=None, base_version=None):
    actor = await as_principal(session, people[role])
    return await perform(session=session, ticket_id=ticket.id, action=action, actor=actor,
                         base_version=base_version, payload=payload or {})


async def events(session, ticket):
    rows = await session.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    return list(rows.scalars())


class TestVerifyAndFile:
    async def test_grid_worker_verifies_in_their_grid(self, session, city, people):
        t = await make_ticket(session, city, status="pending_verification")
        t = await act(session, people, "grid_worker", t, "verify", {"photos": [sha(1)]})
        assert t.status == "filed" and t.verified_at is not None and t.filed_at is not None
        assert t.version == 2
        [e] = await events(session, t)
        assert (e.action, e.from_status, e.to_status, e.actor_role) == ("verify", "pending_verification", "filed",
                                                                       "grid_worker")
        assert e.actor_id == people["grid_worker"].id and e.photos == [sha(1)]

    async def test_grid_worker_outside_their_grid_cannot_see_it(self, session, city, people):
        t = await make_ticket(session, city, status="pending_verification", grid=city.g2)
        with pytest.raises(NotFound):
            await act(session, people, "grid_worker", t, "verify")

    async def test_dispatcher_files(self, session, city, people):
        t = await make_ticket(session, city, status="reported")
        t = await act(session, people, "dispatcher", t, "file")
        assert t.status == "filed" and t.filed_at is not None

    async def test_unit_handler_may_not_file(self, session, city, people):
        t = await make_ticket(session, city, status="reported", unit=city.cm)
        with pytest.raises(Forbidden):
            await act(session, people, "unit_handler", t, "file")


class TestDispatch:
    async def test_defaults_to_the_routing_suggestion_and_sets_due_at(self, session, city, people):
        t = await make_ticket(session, city, status="filed")
        before = utcnow()
        t = await act(session, people, "dispatcher", t, "dispatch")
        assert t.status == "dispatched" and t.unit_id == city.cm.id
        # CM works around the clock in tests: 4 working hours are 4 hours.
        assert t.due_at - t.dispatched_at == timedelta(hours=4) and t.dispatched_at >= before
        [e] = await events(session, t)
        assert e.data["unit_code"] == city.cm.code and e.unit_id == city.cm.id
        note = (await session.execute(select(Notification).where(Notification.ticket_id == t.id))).scalar_one()
        assert note.unit_id == city.cm.id and note.kind == "dispatch"

    async def test_working_calendar_decides_the_deadline(self, session, city, people):
        office_hours = await make_unit(session, calendar={"work_hours": [["09:00", "17:00"]],
                                                          "workdays": [0, 1, 2, 3, 4, 5, 6]})
        t = await make_ticket(session, city, status="filed")
        t = await act(session, people, "dispatcher", t, "dispatch", {"unit_code": office_hours.code})
        from api.sla.calendar import WorkingCalendar

        cal = WorkingCalendar.for_unit(office_hours)
        assert t.due_at == cal.add_working_hours(t.dispatched_at, 4.0)
        assert cal.working_hours_between(t.dispatched_at, t.due_at) == pytest.approx(4.0)

    async def test_named_unit_and_limit(self, session, city, people):
        t = await make_ticket(session, city, status="filed")
        t = await act(session, people, "dispatcher", t, "dispatch", {"unit_id": str(city.so.id), "limit_hours": 48})
        assert t.unit_id == city.so.id and t.due_at - t.dispatched_at == timedelta(hours=48)

    async def test_no_unit_and_no_suggestion_is_422(self, session, city, people):
        t = await make_ticket(session, city, status="filed", suggested_unit_id=None)
        with pytest.raises(ValidationFailed) as info:
            await act(session, people, "dispatcher", t, "dispatch")
        assert info.value.code == "invalid_arguments"
        assert await events(session, t) == []

    async def test_redispatch_after_return_reaches_old_and_new_unit(self, session, city, people):
        t = await make_ticket(session, city, status="returned", unit=city.cm)
        t = await act(session, people, "dispatcher", t, "redispatch", {"unit_id": str(city.so.id)})
        assert t.status == "dispatched" and t.unit_id == city.so.id
        seq = (await session.execute(select(ChangeLog.seq).where(ChangeLog.entity == "ticket",
               ChangeLog.entity_id == str(t.id)).order_by(ChangeLog.seq.desc()).limit(1))).scalar_one()
        keys = set((await session.execute(select(ChangeAudience.key).where(ChangeAudience.seq == seq))).scalars())
        assert {f"unit:{city.cm.id}", f"unit:{city.so.id}", "desk", f"grid:{city.g1.id}"} <= keys


class TestSignHandleReturn:
    async def test_sign_then_handle_with_photo(self, session, city, people):
        t = await make_ticket(session, city, status="dispatched", signed_at=None)
        t = await act(session, people, "unit_handler", t, "sign")
        assert t.status == "in_progress" and t.signed_at is not None
        t = await act(session, people, "unit_handler", t, "handle", {"photos": [sha("after")], "note": "已清理"})
        assert t.status == "handled" and t.handled_at is not None and t.handled_on_time is True
        assert t.recheck_due_at == t.handled_at + timedelta(hours=2)
        assert t.photos_complete is False  # the after-photo has not been uploaded yet
        e = (await events(session, t))[-1]
        assert e.photos == [sha("after")] and e.data["note"] == "已清理"

    async def test_handle_without_photo_is_422(self, session, city, people):
        t = await make_ticket(session, city, status="in_progress")
        with pytest.raises(ValidationFailed) as info:
            await act(session, people, "unit_handler", t, "handle", {"note": "done"})
        assert info.value.code == "invalid_arguments"

    async def test_handle_late_is_not_on_time(self, session, city, people):
        t = await make_ticket(session, city, status="in_progress", due_at=utcnow() - timedelta(minutes=1))
        t = await act(session, people, "unit_handler", t, "handle", {"photos": [sha(2)]})
        assert t.handled_on_time is False

    async def test_return_needs_a_reason_and_counts(self, session, city, people):
        t = await make_ticket(session, city, status="dispatched")
        with pytest.raises(ValidationFailed):
            await act(session, people, "unit_handler", t, "return", {"reason": "  "})
        t = await act(session, people, "unit_handler", t, "return", {"reason": "不属于本单位职责"})
        assert t.status == "returned" and t.return_count == 1 and t.returned_at is not None
        assert (await events(session, t))[-1].reason == "不属于本单位职责"

    async def test_other_units_handler_cannot_see_it(self, session, city, people):
        other = await make_user(session, roles=["unit_handler"], unit_id=city.so.id)
        t = await make_ticket(session, city, status="dispatched", unit=city.cm)
        with pytest.raises(NotFound):
            await perform(session=session, ticket_id=t.id, action="sign", actor=await as_principal(session, other),
                          base_version=None, payload={})

    async def test_wrong_payload_type_is_422(self, session, city, people):
        t = await make_ticket(session, city, status="in_progress")
        with pytest.raises(ValidationFailed) as info:
            await act(session, people, "unit_handler", t, "handle", {"photos": "not-a-list"})
        assert info.value.code == "invalid_arguments"
        with pytest.raises(ValidationFailed):
            await act(session, people, "unit_handler", t, "handle", {"photos": [sha(1)], "surprise": 1})


class TestRecheckAndClose:
    async def test_pass_closes(self, session, city, people):
        t = await make_ticket(session, city, status="handled")
        t = await act(session, people, "grid_worker", t, "recheck_pass", {"photos": [sha(3)]})
        assert t.status == "closed" and t.closed_at is not None and t.rechecked_at is not None
        assert t.closed_on_time is True

    async def test_fail_is_rework(self, session, city, people):
        t = await make_ticket(session, city, status="handled")
        with pytest.raises(ValidationFailed):
            await act(session, people, "grid_worker", t, "recheck_fail", {"photos": [sha(3)]})
        with pytest.raises(ValidationFailed):
            await act(session, people, "grid_worker", t, "recheck_fail", {"reason": "仍有垃圾"})
        t = await act(session, people, "grid_worker", t, "recheck_fail", {"photos": [sha(3)], "reason": "仍有垃圾"})
        assert t.status == "in_progress" and t.rework_count == 1

    async def test_fail_not_allowed_for_a_self_fixed_ticket(self, session, city, people):
        t = await make_ticket(session, city, status="handled", unit_id=None)
        with pytest.raises(InvalidTransition) as info:
            await act(session, people, "dispatcher", t, "recheck_fail", {"photos": [sha(3)], "reason": "x"})
        assert "recheck_fail" not in info.value.details["allowed"] and "close" in info.value.details["allowed"]

    async def test_dispatcher_closes_on_review(self, session, city, people):
        t = await make_ticket(session, city, status="handled", unit_id=None)
        t = await act(session, people, "dispatcher", t, "close")
        assert t.status == "closed" and t.closed_at is not None

    async def test_volunteer_may_not_recheck_own_reported_ticket(self, session, city, people):
        t = await make_ticket(session, city, status="handled", reporter=people["volunteer"])
        with pytest.raises(Forbidden):
            await act(session, people, "volunteer", t, "recheck_pass", {"photos": [sha(3)]})


class TestRejectMerge:
    async def test_reject_needs_reason(self, session, city, people):
        t = await make_ticket(session, city, status="reported")
        with pytest.raises(ValidationFailed):
            await act(session, people, "dispatcher", t, "reject")
        t = await act(session, people, "dispatcher", t, "reject", {"reason": "非本市辖区"})
        assert t.status == "rejected" and t.rejected_at is not None

    async def test_merge_moves_reports_and_counts(self, session, city, people):
        target = await make_ticket(session, city, status="dispatched")
        reporter = await make_user(session, roles=["volunteer"])
        dup = await make_ticket(session, city, status="reported", reporter=reporter)
        dup = await act(session, people, "dispatcher", dup, "merge", {"into_ticket_id": str(target.id)})
        assert dup.status == "merged" and dup.merged_into_id == target.id
        await session.refresh(target)
        assert target.report_count == 2 and target.version == 1
        report = (await session.execute(select(Report).where(Report.reporter_id == reporter.id))).scalar_one()
        assert report.ticket_id == target.id
        assert len(await events(session, dup)) == 1 and await events(session, target) == []

    async def test_merge_into_closed_is_409(self, session, city, people):
        target = await make_ticket(session, city, status="closed")
        dup = await make_ticket(session, city, status="reported")
        with pytest.raises(Exception) as info:
            await act(session, people, "dispatcher", dup, "merge", {"into_ticket_id": str(target.id)})
        assert info.value.status_code == 409


class TestParking:
    async def test_park_then_unpark_restores_and_moves_due(self, session, city, people):
        t = await make_ticket(session, city, status="in_progress")
        due = t.due_at
        t = await act(session, people, "dispatcher", t, "park", {"reason": "需协调多部门"})
        assert t.status == "parked" and t.parked_at is not None
        t.parked_at = t.parked_at - timedelta(hours=5)  # it spent five (24/7) working hours parked
        await session.flush()
        t = await act(session, people, "supervisor", t, "unpark")
        assert t.status == "in_progress"
        assert t.due_at - due >= timedelta(hours=5) and t.due_at - due < timedelta(hours=5, minutes=1)


class TestExtensionsUrgeNote:
    async def test_request_then_approve_moves_due(self, session, city, people):
        t = await make_ticket(session, city, status="in_progress")
        due = t.due_at
        t = await act(session, people, "unit_handler", t, "request_extension", {"hours": 8, "reason": "需采购材料"})
        assert t.status == "in_progress" and t.pending_extension["hours"] == 8 and t.due_at == due
        with pytest.raises(InvalidTransition):
            await act(session, people, "unit_handler", t, "request_extension", {"hours": 1, "reason": "again"})
        t = await act(session, people, "dispatcher", t, "approve_extension")
        assert t.due_at == due + timedelta(hours=8) and t.extension_count == 1 and t.pending_extension == {}
        e = (await events(session, t))[-1]
        assert e.to_status is None and e.data["due_at"] == t.due_at.isoformat()

    async def test_request_needs_positive_hours(self, session, city, people):
        t = await make_ticket(session, city, status="in_progress")
        for bad in ({"hours": 0, "reason": "x"}, {"hours": "many", "reason": "x"}, {"hours": 2}):
            with pytest.raises(ValidationFailed):
                await act(session, people, "unit_handler", t, "request_extension", bad)

    async def test_refuse_keeps_due(self, session, city, people):
        t = await make_ticket(session, city, status="dispatched", pending_extension={"hours": 4, "reason": "r"})
        due = t.due_at
        t = await act(session, people, "dispatcher", t, "refuse_extension", {"reason": "理由不充分"})
        assert t.due_at == due and t.pending_extension == {} and t.extension_count == 0

    async def test_urge_counts_and_notifies(self, session, city, people):
        t = await make_ticket(session, city, status="dispatched")
        t = await act(session, people, "supervisor", t, "urge", {"note": "今日必须完成"})
        assert t.urge_count == 1
        kinds = (await session.execute(select(Notification.kind).where(Notification.ticket_id == t.id))).scalars()
        assert list(kinds) == ["urge"]

    async def test_dispatcher_may_not_urge(self, session, city, people):
        t = await make_ticket(session, city, status="dispatched")
        with pytest.raises(Forbidden):
            await act(session, people, "dispatcher", t, "urge")

    async def test_note_on_a_closed_ticket(self, session, city, people):
        t = await make_ticket(session, city, status="closed")
        t = await act(session, people, "supervisor", t, "note", {"note": "已回访"})
        assert t.status == "closed" and (await events(session, t))[-1].data["note"] == "已回访"


class TestConcurrency:
    async def test_stale_base_version(self, session, city, people):
        t = await make_ticket(session, city, status="dispatched")
        await act(session, people, "unit_handler", t, "sign", base_version=1)
        with pytest.raises(StaleVersion) as info:
            await act(session, people, "unit_handler", t, "handle", {"photos": [sha(1)]}, base_version=1)
        assert info.value.details == {"base_version": 1, "current_version": 2}
        assert [e.action for e in await events(session, t)] == ["sign"]

    async def test_every_change_is_recorded_for_reporters_too(self, session, city, people):
        reporter = await make_user(session, roles=["volunteer"])
        t = await make_ticket(session, city, status="dispatched", reporter=reporter)
        await act(session, people, "unit_handler", t, "sign")
        report = (await session.execute(select(Report).where(Report.ticket_id == t.id))).scalar_one()
        rows = (await session.execute(select(ChangeLog.entity, ChangeLog.entity_id))).all()
        assert ("ticket", str(t.id)) in rows and ("report", str(report.id)) in rows
