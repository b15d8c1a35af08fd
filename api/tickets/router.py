"""Ticket HTTP: detail, actions, filtered lists and the named work queues (thin: parse → one call)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from api.auth.deps import CurrentUser, Principal, require_roles
from api.db import SessionDep
from api.tickets import queries, service
from api.tickets.deps import CurrentTicket
from api.tickets.schemas import MapPoints, NearbyTickets, TicketActionRequest, TicketDetail, TicketsPage

router = APIRouter(tags=["tickets"])


def ticket_query(
    status: Annotated[list[str] | None, Query(description="repeat for several")] = None,
    category: str | None = None,
    unit: Annotated[str | None, Query(description="unit id or code")] = None,
    area: Annotated[str | None, Query(description="area code; includes the areas below it")] = None,
    reported_from: Annotated[datetime | None, Query(alias="from")] = None,
    reported_to: Annotated[datetime | None, Query(alias="to")] = None,
    overdue: bool | None = None,
    source: str | None = None,
    sort: queries.SortKey = "updated_at",
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> queries.TicketQuery:
    return queries.TicketQuery(status=status or [], category=category, unit=unit, area=area,
                               reported_from=reported_from, reported_to=reported_to, overdue=overdue,
                               source=source, sort=sort, order=order, limit=limit, cursor=cursor)


TicketQueryDep = Annotated[queries.TicketQuery, Depends(ticket_query)]


async def _page(request: Request, response: Response, session, q: queries.TicketQuery, principal: Principal,
                queue: str | None = None):
    items, next_cursor = await queries.list_tickets(session, q, principal, queue=queue)
    etag = queries.page_etag(principal, items, next_cursor, queue=queue, variant=str(request.url.query))
    if etag in _if_none_match(request):
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return TicketsPage(items=items, next_cursor=next_cursor, limit=q.limit)


def _if_none_match(request: Request) -> set[str]:
    header = request.headers.get("if-none-match", "")
    return {tag.strip() for tag in header.split(",") if tag.strip()}


_LIST_RESPONSES = {304: {"description": "Not modified since the ETag in If-None-Match"}}


@router.get("/tickets", response_model=TicketsPage, operation_id="tickets_list", responses=_LIST_RESPONSES)
async def list_tickets(request: Request, response: Response, session: SessionDep, principal: CurrentUser,
                       q: TicketQueryDep):
    return await _page(request, response, session, q, principal)


@router.get("/tickets/{ticket_id}", response_model=TicketDetail, operation_id="tickets_get")
async def get_ticket(ticket: CurrentTicket, session: SessionDep, principal: CurrentUser) -> TicketDetail:
    return await queries.ticket_detail(session, ticket, principal)


@router.get("/tickets/{ticket_id}/nearby", response_model=NearbyTickets, operation_id="tickets_nearby")
async def nearby(ticket: CurrentTicket, session: SessionDep,
                 principal: Annotated[Principal, Depends(require_roles("dispatcher", "supervisor"))],
                 radius_m: Annotated[float, Query(ge=10, le=2000, description="search radius in metres")] = 300,
                 limit: Annotated[int, Query(ge=1, le=50)] = 20) -> NearbyTickets:
    """Open tickets of the same category around this one, nearest first: what a dispatcher merges."""
    return NearbyTickets.model_validate(await queries.nearby_open(session, ticket, radius_m=radius_m, limit=limit))


@router.post("/tickets/{ticket_id}/actions/{action}", response_model=TicketDetail, operation_id="tickets_act")
async def act(ticket: CurrentTicket, action: str, body: TicketActionRequest, session: SessionDep,
              principal: CurrentUser) -> TicketDetail:
    payload = body.model_dump(exclude={"base_version"})
    updated = await service.perform(session=session, ticket_id=ticket.id, action=action, actor=principal,
                                    base_version=body.base_version, payload=payload)
    return await queries.ticket_detail(session, updated, principal)


@router.get("/queues/triage", response_model=TicketsPage, operation_id="queues_triage", responses=_LIST_RESPONSES)
async def triage(request: Request, response: Response, session: SessionDep, q: TicketQueryDep,
                 principal: Annotated[Principal, Depends(require_roles("dispatcher", "supervisor"))]):
    return await _page(request, response, session, _default_sort(request, q, "reported_at", "asc"), principal,
                       "triage")


@router.get("/queues/inbox", response_model=TicketsPage, operation_id="queues_inbox", responses=_LIST_RESPONSES)
async def inbox(request: Request, response: Response, session: SessionDep, q: TicketQueryDep,
                principal: Annotated[Principal, Depends(require_roles("unit_handler"))]):
    return await _page(request, response, session, _default_sort(request, q, "due_at", "asc"), principal, "inbox")


@router.get("/queues/rechecks", response_model=TicketsPage, operation_id="queues_rechecks",
            responses=_LIST_RESPONSES)
async def rechecks(request: Request, response: Response, session: SessionDep, q: TicketQueryDep,
                   principal: Annotated[Principal, Depends(require_roles("grid_worker"))]):
    return await _page(request, response, session, _default_sort(request, q, "recheck_due_at", "asc"), principal,
                       "rechecks")


@router.get("/queues/overdue", response_model=TicketsPage, operation_id="queues_overdue",
            responses=_LIST_RESPONSES)
async def overdue(request: Request, response: Response, session: SessionDep, q: TicketQueryDep,
                  principal: Annotated[Principal, Depends(require_roles("supervisor", "dispatcher"))]):
    return await _page(request, response, session, _default_sort(request, q, "due_at", "asc"), principal,
                       "overdue")


@router.get("/queues/map", response_model=MapPoints, operation_id="queues_map", responses=_LIST_RESPONSES)
async def map_points(request: Request, response: Response, session: SessionDep,
                     principal: Annotated[Principal, Depends(require_roles("supervisor", "dispatcher"))]):
    """Every open ticket in the caller's scope as a map point (up to 2,000, most recent first)."""
    body, etag = await queries.map_points(session, principal)
    if etag in _if_none_match(request):
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return MapPoints.model_validate(body)


def _default_sort(request: Request, q: queries.TicketQuery, sort: str, order: str) -> queries.TicketQuery:
    """A queue has its natural order unless the caller asked for another."""
    if "sort" not in request.query_params:
        q.sort = sort  # type: ignore[assignment]
    if "order" not in request.query_params:
        q.order = order  # type: ignore[assignment]
    return q
