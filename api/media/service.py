"""Media rules: content-addressed upload (verify, process, store, record) and who may see a photo."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import tempfile
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from api.media.processing import MediaRejected, Processed, process_image
from api.media.store import MediaStore
from api.reports.service import mark_photos_stored
from api.tickets import scope
from models import Media, PhotoRef, Report, Ticket, TicketEvent, utcnow

log = logging.getLogger("civicloop.media")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def check_name(sha256: str) -> str:
    if not SHA256_RE.fullmatch(sha256):
        raise ValidationFailed("a media name is the lowercase hex sha256 of the photo", code="media_bad_name",
                               details={"name": sha256[:80]})
    return sha256


async def is_stored(session: AsyncSession, sha256: str) -> bool:
    return (await session.execute(select(Media.sha256).where(Media.sha256 == sha256))).first() is not None


async def receive_body(chunks: AsyncIterator[bytes], *, limit: int) -> tuple[bytes, str]:
    """Stream the body to a temp file (spilling to disk past 1 MB), hashing as it arrives."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spool:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"a photo may be at most {limit} bytes", code="payload_too_large",
                                      details={"limit_bytes": limit})
            digest.update(chunk)
            spool.write(chunk)
        spool.seek(0)
        return spool.read(), digest.hexdigest()


async def store_upload(*, session: AsyncSession, store: MediaStore, sha256: str, data: bytes,
                       actual_sha256: str, actor_id: Any) -> bool:
    """Returns True when newly stored (201), False when it already was (200)."""
    if actual_sha256 != sha256:
        raise ValidationFailed("the body does not hash to the name it was sent under",
                               code="media_hash_mismatch", details={"expected": sha256, "actual": actual_sha256})
    if await is_stored(session, sha256):
        return False
    try:
        processed: Processed = await asyncio.to_thread(process_image, data)
    except MediaRejected as exc:
        raise ValidationFailed(exc.message, code=exc.code, details=exc.details) from exc
    # Files first, then the row: a row always means both files exist.
    await asyncio.to_thread(store.put, "original", sha256, processed.original, processed.content_type)
    await asyncio.to_thread(store.put, "thumb", sha256, processed.thumb, "image/jpeg")
    values = dict(sha256=sha256, content_type=processed.content_type, size=len(data), width=processed.width,
                  height=processed.height, stored_size=len(processed.original), thumb_size=len(processed.thumb),
                  uploaded_by=actor_id, exif_lat=processed.exif_lat, exif_lon=processed.exif_lon,
                  exif_taken_at=processed.exif_taken_at, created_at=utcnow())
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(Media).values(**values).on_conflict_do_nothing(index_elements=["sha256"]).returning(Media.sha256))
    created = result.first() is not None
    if created:
        # Reports and tickets waiting for this photo become complete (照片上传中 → complete).
        await mark_photos_stored(session, sha256)
    return created


async def ensure_visible(*, session: AsyncSession, principal, sha256: str) -> Media:
    """The uploader, the reporter, and whoever may see a ticket that references the photo."""
    media = await session.get(Media, sha256)
    if media is None:
        raise NotFound("no such photo", code="media_not_found")
    if media.uploaded_by == principal.id:
        return media
    owners = (await session.execute(
        select(Report.reporter_id, Report.ticket_id, TicketEvent.ticket_id)
        .select_from(PhotoRef)
        .outerjoin(Report, Report.id == PhotoRef.report_id)
        .outerjoin(TicketEvent, TicketEvent.id == PhotoRef.event_id)
        .where(PhotoRef.sha256 == sha256))).all()
    if any(reporter == principal.id for reporter, _, _ in owners):
        return media
    ticket_ids = {t for _, report_ticket, event_ticket in owners for t in (report_ticket, event_ticket)
                  if t is not None}
    if ticket_ids:
        visible = (await session.execute(
            select(Ticket.id).where(Ticket.id.in_(ticket_ids), scope.ticket_filter(principal)).limit(1))).first()
        if visible is not None:
            return media
    raise Forbidden("you may not see this photo", code="media_forbidden")
