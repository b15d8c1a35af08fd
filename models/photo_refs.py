"""Keep `photo_ref` in step with the photo lists of reports and ticket events.

Every report and event is inserted through an ORM session (intake, the workflow, the sweeper),
so one listener after each flush covers all of them, however the row got there: no write path
can forget to index its photos. The rows go in with one multi-row INSERT per flush, inside the
same transaction as their owners.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from models.media import PhotoRef
from models.tickets import Report, TicketEvent


def photo_refs_of(obj: object) -> list[dict[str, Any]]:
    """The photo_ref rows for one newly inserted report or event (each hash once)."""
    if isinstance(obj, Report):
        hashes = dict.fromkeys([*obj.photos, *obj.after_photos])
        return [{"sha256": h, "report_id": obj.id, "event_id": None} for h in hashes]
    if isinstance(obj, TicketEvent):
        return [{"sha256": h, "report_id": None, "event_id": obj.id} for h in dict.fromkeys(obj.photos or [])]
    return []


@event.listens_for(Session, "after_flush")
def _index_new_photos(session: Session, flush_context: Any) -> None:
    # After the flush the owners exist (the foreign keys hold); `session.new` still lists
    # what this flush inserted.
    rows = [row for obj in session.new for row in photo_refs_of(obj)]
    if rows:
        session.connection().execute(insert(PhotoRef), rows)
