"""`CurrentTicket`: loads the ticket in the path or 404s, and checks the caller may see it.

A ticket the caller may not see is a 404, never a 403: its existence is not leaked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.auth.deps import CurrentUser
from api.db import SessionDep
from api.errors import NotFound
from api.tickets import repository as repo
from api.tickets.scope import can_see
from models import Ticket


async def get_current_ticket(ticket_id: str, session: SessionDep, principal: CurrentUser) -> Ticket:
    ticket = await repo.get_ticket(session, ticket_id)
    if ticket is None or not can_see(principal, ticket, reporter_ids=await repo.reporter_ids(session, ticket.id)):
        raise NotFound("no such ticket", code="ticket_not_found")
    return ticket


CurrentTicket = Annotated[Ticket, Depends(get_current_ticket)]
