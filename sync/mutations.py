"""What each mutation name does. A handler validates its arguments, then calls one service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.reports import service as report_service
from api.reports.schemas import ReportCreate
from api.tickets import service as ticket_service
from sync.schemas import (
    ReportCreateArgs,
    TicketExtensionArgs,
    TicketHandleArgs,
    TicketRecheckArgs,
    TicketReturnArgs,
    TicketSignArgs,
)

Handler = Callable[..., Awaitable[Any]]


async def report_create(*, session: AsyncSession, actor, client_id: str, args: dict[str, Any]) -> None:
    parsed = ReportCreateArgs.model_validate(args)
    data = ReportCreate(**parsed.model_dump())
    await report_service.create_report(session=session, actor=actor, data=data, client_id=client_id)


def _recheck(args: TicketRecheckArgs) -> tuple[str, dict[str, Any]]:
    payload: dict[str, Any] = {"photos": args.photos, "note": args.note}
    if args.passed:
        return "recheck_pass", payload
    # 返工 needs a reason; the phone's form may send it as `reason` or only as the note.
    return "recheck_fail", {**payload, "reason": args.reason or args.note}


def _fields(action: str, *names: str) -> Callable[[Any], tuple[str, dict[str, Any]]]:
    return lambda parsed: (action, parsed.model_dump(include=set(names), mode="json"))


def _ticket(model, build: Callable[[Any], tuple[str, dict[str, Any]]]) -> Handler:
    async def handle(*, session: AsyncSession, actor, client_id: str, args: dict[str, Any]) -> None:
        parsed = model.model_validate(args)
        name, payload = build(parsed)
        await ticket_service.perform(session=session, ticket_id=parsed.ticket_id, action=name, actor=actor,
                              base_version=parsed.base_version, payload=payload)

    return handle


MUTATIONS: dict[str, Handler] = {
    "report.create": report_create,
    "ticket.sign": _ticket(TicketSignArgs, _fields("sign", "note")),
    "ticket.handle": _ticket(TicketHandleArgs, _fields("handle", "photos", "note")),
    "ticket.return": _ticket(TicketReturnArgs, _fields("return", "reason", "note")),
    "ticket.request_extension": _ticket(TicketExtensionArgs, _fields("request_extension", "hours", "reason", "note")),
    "ticket.recheck": _ticket(TicketRecheckArgs, _recheck),
}
