"""A phone's sync loop: push mutations in order, then upload their photos by hash, then pull.

Only our JSON envelope counts as an answer: an HTML page with status 200 (a captive portal on
station Wi-Fi) is a failure like a dropped connection, and everything stays in the outbox for the
next attempt. Retries back off exponentially with full jitter so a thousand phones coming back
online at 08:30 do not arrive in lockstep.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from typing import Any

import httpx

from sync.client.outbox import Outbox


class SyncFailed(Exception):
    """Nothing is lost; try again later. `permanent` means retrying will not help (e.g. 403)."""

    def __init__(self, message: str, *, permanent: bool = False, status: int | None = None):
        super().__init__(message)
        self.permanent, self.status = permanent, status


def backoff(attempt: int, *, base: float = 0.25, cap: float = 30.0) -> float:
    return random.uniform(0, min(cap, base * 2 ** attempt))


class Phone:
    def __init__(self, *, base_url: str, outbox: Outbox, username: str, password: str,
                 http: httpx.AsyncClient | None = None, batch: int = 25, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.outbox, self.username, self.password, self.batch = outbox, username, password, batch
        self.http = http or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None
        self.token: str | None = None
        self.push_latencies: list[float] = []
        self.photo_bytes_sent = 0
        self.photos_sent = 0
        self.pushed: dict[str, int] = {"applied": 0, "duplicate": 0, "rejected": 0}
        # Called after every answered push (progress bars, tests that break things mid-sync).
        self.on_pushed: Callable[[Phone], None] | None = None

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    # --- HTTP plumbing ---
    async def login(self) -> None:
        resp = await self._send("POST", "/api/v1/auth/login",
                                json={"username": self.username, "password": self.password}, auth=False)
        body = self._envelope(resp)
        if resp.status_code != 200 or "access_token" not in body:
            raise SyncFailed(f"sign-in refused: {body.get('error', body)}", permanent=resp.status_code in (401, 403),
                             status=resp.status_code)
        self.token = body["access_token"]

    async def _send(self, method: str, path: str, *, auth: bool = True, **kw: Any) -> httpx.Response:
        if auth and self.token is None:
            await self.login()
        for attempt in range(2):
            headers = dict(kw.pop("headers", {}) or {})
            if auth:
                headers["Authorization"] = f"Bearer {self.token}"
            try:
                resp = await self.http.request(method, self.base_url + path, headers=headers, **kw)
            except httpx.HTTPError as exc:  # refused, reset, timed out, cut mid-reply
                raise SyncFailed(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
            if resp.status_code == 401 and auth and attempt == 0:
                await self.login()  # the access token expired during a long offline spell
                continue
            return resp
        return resp

    @staticmethod
    def _envelope(resp: httpx.Response) -> dict[str, Any]:
        if "application/json" not in resp.headers.get("content-type", ""):
            raise SyncFailed(f"not our JSON envelope (status {resp.status_code}, "
                             f"{resp.headers.get('content-type', 'no content type')}): a captive portal?",
                             status=resp.status_code)
        try:
            body = json.loads(resp.content)
        except ValueError as exc:
            raise SyncFailed("a reply that is not JSON", status=resp.status_code) from exc
        if not isinstance(body, dict):
            raise SyncFailed("a JSON reply that is not our envelope", status=resp.status_code)
        return body

    def _fail(self, resp: httpx.Response, body: dict[str, Any], what: str) -> SyncFailed:
        code = (body.get("error") or {}).get("code", "")
        permanent = resp.status_code in (400, 403, 404, 405, 422)
        return SyncFailed(f"{what}: {resp.status_code} {code}", permanent=permanent, status=resp.status_code)

    # --- the three steps ---
    async def push_once(self) -> int:
        """Send one batch of pending mutations; returns how many the server answered for."""
        pending = self.outbox.pending_mutations(self.batch)
        if not pending:
            return 0
        started = time.perf_counter()
        resp = await self._send("POST", "/api/v1/sync/push",
                                json={"client_id": self.outbox.client_id, "mutations": pending})
        body = self._envelope(resp)
        if resp.status_code != 200 or "results" not in body or "last_mutation_id" not in body:
            raise self._fail(resp, body, "push")
        self.push_latencies.append(time.perf_counter() - started)
        self.outbox.record_results(body["results"])
        for r in body["results"]:
            self.pushed[r["status"]] = self.pushed.get(r["status"], 0) + 1
        stopped = body.get("stopped")
        if stopped:
            if stopped["expected_id"] < pending[0]["id"]:
                self.outbox.reopen_from(stopped["expected_id"])
            elif not body["results"]:
                raise SyncFailed(f"the server expects mutation {stopped['expected_id']}, which this outbox "
                                 f"does not hold", permanent=True)
        self.outbox.set("last_mutation_id", str(body["last_mutation_id"]))
        if self.on_pushed is not None:
            self.on_pushed(self)
        return len(body["results"])

    async def upload_photos(self) -> int:
        sent = 0
        for sha in self.outbox.pending_photos():
            head = await self._send("HEAD", f"/api/v1/media/{sha}")
            if head.status_code == 200 and sha in head.headers.get("etag", ""):
                self.outbox.photo_done(sha)
                continue
            if head.status_code != 404:
                raise SyncFailed(f"HEAD media: unexpected {head.status_code}", status=head.status_code)
            data = self.outbox.photo(sha)
            resp = await self._send("PUT", f"/api/v1/media/{sha}", content=data,
                                    headers={"Content-Type": "application/octet-stream"})
            body = self._envelope(resp)
            if resp.status_code in (200, 201) and body.get("sha256") == sha:
                self.outbox.photo_done(sha)
                self.photo_bytes_sent += len(data)
                self.photos_sent += 1
                sent += 1
            elif resp.status_code in (413, 422):
                # The server will never take these bytes; keep them, flagged, for the user to see.
                self.outbox.photo_done(sha, "rejected", body.get("error"))
            else:
                raise self._fail(resp, body, "PUT media")
        return sent

    async def pull_once(self, limit: int = 500) -> bool:
        resp = await self._send("POST", "/api/v1/sync/pull", json={
            "client_id": self.outbox.client_id, "cursor": self.outbox.get("cursor"), "limit": limit})
        body = self._envelope(resp)
        if resp.status_code != 200 or "changes" not in body or "cursor" not in body:
            raise self._fail(resp, body, "pull")
        self.outbox.apply_changes(body["changes"], cursor=body["cursor"], reset=bool(body.get("reset")))
        self.outbox.set("last_mutation_id", str(body["last_mutation_id"]))
        return bool(body["has_more"])

    async def sync_once(self, *, pull: bool = True) -> None:
        """Text first, then photos (DESIGN §6), then news from the server."""
        while self.outbox.pending_mutations(1):
            await self.push_once()
        await self.upload_photos()
        if pull:
            while await self.pull_once():
                pass

    async def sync(self, *, max_attempts: int = 8, base: float = 0.25, cap: float = 30.0, pull: bool = True) -> int:
        """Retry until everything is sent; returns the number of failed attempts on the way."""
        failures = 0
        while True:
            try:
                await self.sync_once(pull=pull)
                return failures
            except SyncFailed as exc:
                failures += 1
                if exc.permanent or failures >= max_attempts:
                    raise
                await asyncio.sleep(backoff(failures, base=base, cap=cap))
