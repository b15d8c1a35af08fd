"""Serve the built PWA from our own origin, with index.html for client-side routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from starlette.requests import Request

NO_CACHE = {"Cache-Control": "no-cache"}
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


def mount_pwa(app: FastAPI, dist: Path) -> None:
    dist = dist.resolve()

    @app.get("/{path:path}", include_in_schema=False)
    async def pwa(path: str, request: Request):
        if path.startswith("api/"):
            return JSONResponse(status_code=404, content={"error": {
                "code": "not_found", "message": f"no such endpoint: /{path}", "details": {}}})
        index = dist / "index.html"
        if not index.is_file():
            return JSONResponse(status_code=404, content={"error": {
                "code": "pwa_not_built", "message": "the PWA is not built; run `make pwa`", "details": {}}})
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and dist in candidate.parents:
            # Hashed build assets never change; the service worker and manifest must revalidate.
            headers = IMMUTABLE if "/assets/" in f"/{path}" else NO_CACHE
            return FileResponse(candidate, headers=headers)
        return FileResponse(index, headers=NO_CACHE)
