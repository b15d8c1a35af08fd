"""The phone's outbox on disk (stdlib sqlite3): mutations with their ids, photos by hash, state.

Nothing leaves the outbox on its own: a mutation stays until the server answered for it
(applied, duplicate or rejected — rejected ones are kept, with the error, for the user to see);
a photo stays until the server has it.

Durability: what the user captured (`enqueue`) is fsynced before `enqueue` returns. The
bookkeeping of what the server acknowledged is committed without waiting for the disk
(WAL + synchronous=NORMAL): a power cut can only forget an acknowledgement, and then the phone
sends that mutation or photo again, which the server de-duplicates. Waiting for an fsync on every
acknowledgement stalled the whole sync loop (measured: a quarter of the simulated phones' time).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mutation (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, args TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', error TEXT);
CREATE TABLE IF NOT EXISTS photo (
  sha256 TEXT PRIMARY KEY, status TEXT NOT NULL DEFAULT 'pending', error TEXT);
-- The bytes live apart from their status: SQLite rewrites a whole row on UPDATE, and a status
-- column stored after a 300 KB blob is reached only through its overflow pages.
CREATE TABLE IF NOT EXISTS photo_data (sha256 TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS entity (
  type TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (type, id));
"""


class Outbox:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        if self.get("client_id") is None:
            self.set("client_id", f"py-{uuid.uuid4().hex}")

    def close(self) -> None:
        self.db.close()

    # --- state ---
    def get(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?",
                        (key, value, value))

    @property
    def client_id(self) -> str:
        return self.get("client_id") or ""

    # --- enqueue ---
    def enqueue(self, name: str, args: dict[str, Any], photos: list[bytes] = ()) -> int:
        """Photos and the mutation are stored in one transaction; ids are 1, 2, 3 … per client."""
        with self._lock:
            self.db.execute("PRAGMA synchronous=FULL")  # the user's capture must survive a power cut
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for data in photos:
                    self.add_photo(data)
                next_id = self.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM mutation").fetchone()[0]
                self.db.execute("INSERT INTO mutation(id, name, args) VALUES (?, ?, ?)",
                                (next_id, name, json.dumps(args, ensure_ascii=False)))
                self.db.execute("COMMIT")
                return next_id
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            finally:
                self.db.execute("PRAGMA synchronous=NORMAL")

    def add_photo(self, data: bytes) -> str:
        """Store a photo by its hash (callers hold the transaction); the same bytes twice are one photo."""
        sha256 = hashlib.sha256(data).hexdigest()
        self.db.execute("INSERT OR IGNORE INTO photo_data(sha256, data) VALUES (?, ?)", (sha256, data))
        self.db.execute("INSERT OR IGNORE INTO photo(sha256) VALUES (?)", (sha256,))
        return sha256

    def add_report(self, *, category_code: str, lat: float, lon: float, captured_at: str, photos: list[bytes],
                   description: str = "", accuracy_m: float | None = None, report_id: str | None = None,
                   fixed_on_spot: bool = False, after_photos: list[bytes] = ()) -> str:
        report_id = report_id or str(uuid7())
        args = {"report_id": report_id, "category_code": category_code, "lat": lat, "lon": lon,
                "accuracy_m": accuracy_m, "captured_at": captured_at, "description": description,
                "photos": [hashlib.sha256(p).hexdigest() for p in photos], "fixed_on_spot": fixed_on_spot,
                "after_photos": [hashlib.sha256(p).hexdigest() for p in after_photos]}
        self.enqueue("report.create", args, [*photos, *after_photos])
        return report_id

    # --- what is waiting ---
    def pending_mutations(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT id, name, args FROM mutation WHERE status = 'pending' ORDER BY id LIMIT ?",
                               (limit,)).fetchall()
        return [{"id": i, "name": n, "args": json.loads(a)} for i, n, a in rows]

    def pending_photos(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT sha256 FROM photo WHERE status = 'pending' ORDER BY rowid")]

    def photo(self, sha256: str) -> bytes:
        return self.db.execute("SELECT data FROM photo_data WHERE sha256 = ?", (sha256,)).fetchone()[0]

    def waiting(self) -> dict[str, int]:
        """What the phone shows the user: how many items are still waiting to be sent."""
        mutations = self.db.execute("SELECT COUNT(*) FROM mutation WHERE status = 'pending'").fetchone()[0]
        photos = self.db.execute("SELECT COUNT(*) FROM photo WHERE status = 'pending'").fetchone()[0]
        return {"mutations": mutations, "photos": photos}

    def mutation_status(self, mid: int) -> tuple[str, dict | None]:
        status, error = self.db.execute("SELECT status, error FROM mutation WHERE id = ?", (mid,)).fetchone()
        return status, json.loads(error) if error else None

    # --- server answers ---
    def record_results(self, results: list[dict[str, Any]]) -> None:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            for r in results:
                self.db.execute("UPDATE mutation SET status = ?, error = ? WHERE id = ?",
                                (r["status"], json.dumps(r["error"], ensure_ascii=False) if r.get("error") else None,
                                 r["id"]))
            self.db.execute("COMMIT")

    def reopen_from(self, mid: int) -> None:
        """The server expects an earlier id than we thought sent (it lost state): send again from there."""
        self.db.execute("UPDATE mutation SET status = 'pending' WHERE id >= ? AND status != 'pending'", (mid,))

    def photo_done(self, sha256: str, status: str = "stored", error: dict | None = None) -> None:
        self.db.execute("UPDATE photo SET status = ?, error = ? WHERE sha256 = ?",
                        (status, json.dumps(error, ensure_ascii=False) if error else None, sha256))

    # --- pulled entities ---
    def apply_changes(self, changes: list[dict[str, Any]], *, cursor: str, reset: bool) -> None:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            if reset:
                self.db.execute("DELETE FROM entity")
            for c in changes:
                if c["op"] == "put":
                    self.db.execute("INSERT OR REPLACE INTO entity(type, id, data) VALUES (?, ?, ?)",
                                    (c["type"], c["id"], json.dumps(c["data"], ensure_ascii=False)))
                else:
                    self.db.execute("DELETE FROM entity WHERE type = ? AND id = ?", (c["type"], c["id"]))
            self.db.execute("INSERT INTO state(key, value) VALUES ('cursor', ?) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (cursor,))
            self.db.execute("COMMIT")

    def entities(self, kind: str) -> dict[str, dict]:
        return {i: json.loads(d) for i, d in self.db.execute("SELECT id, data FROM entity WHERE type = ?", (kind,))}


def uuid7() -> uuid.UUID:
    """A time-ordered UUIDv7 (RFC 9562), as phones mint report ids."""
    import os
    import time

    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64 | 0b10 << 62 | rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)
