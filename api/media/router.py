"""Photos by sha256: HEAD (stored?), PUT (upload), GET original / thumbnail."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.auth.deps import CurrentUser
from api.db import SessionDep
from api.errors import NotFound
from api.media import service
from api.media.store import MediaStore, store_from_settings
from sync.changes import defer_changes, flush_changes

router = APIRouter(prefix="/media", tags=["media"])
IMMUTABLE = "private, max-age=31536000, immutable"


def get_store(request: Request) -> MediaStore:
    store = getattr(request.app.state, "media_store", None)
    if store is None:
        store = request.app.state.media_store = store_from_settings(request.app.state.settings)
    return store


StoreDep = Annotated[MediaStore, Depends(get_store)]


@router.api_route("/{sha256}", methods=["HEAD"], operation_id="media_head",
                  responses={200: {"description": "stored"}, 404: {"description": "not stored"}})
async def head_media(sha256: str, principal: CurrentUser, session: SessionDep) -> Response:
    stored = service.SHA256_RE.fullmatch(sha256) is not None and await service.is_stored(session, sha256)
    if not stored:
        return Response(status_code=404)
    # The ETag names the photo, so a client can tell our 200 from a captive portal's.
    return Response(status_code=200, headers={"ETag": f'"{sha256}-original"'})


@router.put("/{sha256}", operation_id="media_put", status_code=201,
            responses={200: {"description": "already stored"}, 413: {"description": "too large"},
                       422: {"description": "hash mismatch or not an accepted image"}},
            openapi_extra={"requestBody": {"required": True, "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/webp": {"schema": {"type": "string", "format": "binary"}}}}})
async def put_media(sha256: str, request: Request, principal: CurrentUser, session: SessionDep,
                    store: StoreDep) -> Response:
    service.check_name(sha256)
    # Release the auth read's transaction (on SQLite it holds the write lock) while we receive and
    # process the photo; the row insert below opens a short one of its own.
    await session.commit()
    data, actual = await service.receive_body(request.stream(), limit=request.app.state.settings.max_media_bytes)
    defer_changes(session)  # number the reports/tickets it completes at commit time (sync.changes)
    created = await service.store_upload(session=session, store=store, sha256=sha256, data=data,
                                         actual_sha256=actual, actor_id=principal.id)
    await flush_changes(session)
    await session.commit()  # committed before the phone hears "stored"
    return Response(status_code=201 if created else 200, media_type="application/json",
                    content=b'{"sha256":"%s","stored":true}' % sha256.encode())


async def _serve(kind: str, sha256: str, request: Request, principal, session, store: MediaStore) -> Response:
    service.check_name(sha256)
    media = await service.ensure_visible(session=session, principal=principal, sha256=sha256)
    etag = f'"{sha256}-{kind}"'
    headers = {"Cache-Control": IMMUTABLE, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    await session.commit()
    data = await asyncio.to_thread(store.get, kind, sha256)
    if data is None:
        raise NotFound("the photo's file is missing from the store", code="media_file_missing")
    content_type = media.content_type if kind == "original" else "image/jpeg"
    return Response(content=data, media_type=content_type, headers=headers)


@router.get("/{sha256}", operation_id="media_get", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}})
async def get_media(sha256: str, request: Request, principal: CurrentUser, session: SessionDep,
                    store: StoreDep) -> Response:
    return await _serve("original", sha256, request, principal, session, store)


@router.get("/{sha256}/thumb", operation_id="media_get_thumb", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
async def get_media_thumb(sha256: str, request: Request, principal: CurrentUser, session: SessionDep,
                          store: StoreDep) -> Response:
    return await _serve("thumb", sha256, request, principal, session, store)
