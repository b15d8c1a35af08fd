"""Who may see, and who may act on, a ticket (DESIGN §8: every write scoped by role and territory).

Seeing: the desk (dispatcher, supervisor, admin) sees every ticket; a unit handler the tickets of
their unit; a grid worker the tickets in their grids; anyone the tickets their own reports joined.
Acting: the role must be in the action's rule and the ticket inside that role's territory.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, false, or_, select, true

from api.auth.deps import Principal
from api.errors import Forbidden
from api.tickets.workflow import TABLE, Rule
from models import Report, Ticket

CITY_WIDE = frozenset({"dispatcher", "supervisor", "admin"})
# The order in which a principal's roles are tried for an action (the event records the one used).
ROLE_ORDER = ("admin", "dispatcher", "supervisor", "unit_handler", "grid_worker", "volunteer")


def ticket_filter(principal: Principal) -> ColumnElement[bool]:
    """A where-clause on `ticket` selecting exactly the tickets `principal` may see."""
    if principal.roles & CITY_WIDE:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if "unit_handler" in principal.roles and principal.unit_id is not None:
        clauses.append(Ticket.unit_id == principal.unit_id)
    if "grid_worker" in principal.roles and principal.grid_ids:
        clauses.append(Ticket.grid_id.in_(sorted(principal.grid_ids)))
    own = select(Report.ticket_id).where(Report.reporter_id == principal.id, Report.ticket_id.is_not(None))
    clauses.append(Ticket.id.in_(own))
    return or_(*clauses) if clauses else false()


def can_see(principal: Principal, ticket: Ticket, *, reporter_ids: Iterable[uuid.UUID] = ()) -> bool:
    """Python twin of ticket_filter; `reporter_ids` are the reporters of the ticket's reports."""
    if principal.roles & CITY_WIDE:
        return True
    if "unit_handler" in principal.roles and principal.unit_id is not None and ticket.unit_id == principal.unit_id:
        return True
    if "grid_worker" in principal.roles and ticket.grid_id in principal.grid_ids:
        return True
    return principal.id in set(reporter_ids)


def in_territory(principal: Principal, role: str, ticket: Ticket) -> bool:
    if role in CITY_WIDE:
        return True
    if role == "unit_handler":
        return principal.unit_id is not None and ticket.unit_id == principal.unit_id
    if role == "grid_worker":
        return ticket.grid_id is not None and ticket.grid_id in principal.grid_ids
    return False


def acting_role(principal: Principal, rule: Rule, ticket: Ticket, action: str) -> str:
    """The role under which `principal` may perform `action` on `ticket`, or Forbidden."""
    held = [r for r in ROLE_ORDER if r in principal.roles and r in rule.roles]
    if not held:
        raise Forbidden(f"your role may not '{action}' a ticket", code="role_forbidden",
                        details={"action": action, "required_any_of": sorted(rule.roles),
                                 "your_roles": sorted(principal.roles)})
    for role in held:
        if in_territory(principal, role, ticket):
            return role
    raise Forbidden(f"this ticket is outside your territory for '{action}'", code="scope_forbidden",
                    details={"action": action})


def actions_for(principal: Principal, ticket: Ticket, candidates: Iterable[str]) -> list[str]:
    """Of the actions the state allows, those `principal` may perform (for the detail view)."""
    out = []
    for action in candidates:
        rule = TABLE[action]
        if any(r in principal.roles and in_territory(principal, r, ticket) for r in rule.roles):
            out.append(action)
    return out
