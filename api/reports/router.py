"""Report intake over HTTP (desk and grid intake; phones use sync push with the same schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth.deps import CurrentUser
from api.db import SessionDep
from api.errors import BadRequest
from api.reports import repository, service
from api.reports.schemas import ReportCreate, ReportPublic, ReportsPage
from api.tickets import repository as ticket_repo
from api.tickets.queries import MAX_LIMIT, decode_cursor, encode_cursor
from models import Report

router = APIRouter(prefix="/reports", tags=["reports"])


@router.post("", response_model=ReportPublic, status_code=201, operation_id="reports_create",
             responses={200: {"description": "already stored (same report_id, same reporter)"}})
async def create(body: ReportCreate, session: SessionDep, principal: CurrentUser, response: Response):
    existed = await session.get(Report, body.report_id) is not None
    report = await service.create_report(session=session, actor=principal, data=body)
    if existed:
        response.status_code = 200
    ticket = await ticket_repo.get_ticket(session, report.ticket_id) if report.ticket_id else None
    return service.report_public(report, ticket)


@router.get("/mine", response_model=ReportsPage, operation_id="reports_mine")
async def mine(session: SessionDep, principal: CurrentUser,
               limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50, cursor: str | None = None) -> ReportsPage:
    after = decode_cursor(cursor, "received_at", "desc")
    if cursor and after is not None and after[0] is None:
        raise BadRequest("the cursor is not valid for this list", code="invalid_cursor")
    rows = await repository.reports_page(session, reporter_id=principal.id, limit=limit + 1,
                                         after=after)  # type: ignore[arg-type]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        last: datetime = rows[-1][0].received_at
        next_cursor = encode_cursor("received_at", "desc", last, rows[-1][0].id)
    return ReportsPage(items=[service.report_public(r, t) for r, t in rows], next_cursor=next_cursor)
