"""number deferred changes at COMMIT, inside PostgreSQL (no client round trip under the lock)

The change sequence is gap-free and in commit order because numbers come from one counter row
whose lock is held until the transaction ends. Numbered from Python right before COMMIT, that
lock was still held across three more round trips, each waiting its turn on a busy event loop;
under load every intake queued on it (50 phones: 30 of 38 connections waiting on that row).

Now a push or a photo upload writes its changes to `change_pending`; a deferred constraint
trigger numbers each row during COMMIT (counter upsert, change_log, change_audience) and deletes
it. The lock is taken inside COMMIT and released with it, so commit order still equals number
order and a rolled-back transaction takes no number. SQLite serialises writers anyway and keeps
numbering from Python (sync.changes).

Revision ID: 0007
Revises: 0006
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE TABLE change_pending (
            id bigserial PRIMARY KEY,
            entity varchar(16) NOT NULL,
            entity_id varchar(64) NOT NULL,
            audience text[] NOT NULL,
            at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("""
        CREATE FUNCTION number_pending_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            n bigint;
        BEGIN
            INSERT INTO counter (name, value) VALUES ('change_seq', 1)
                ON CONFLICT (name) DO UPDATE SET value = counter.value + 1
                RETURNING value INTO n;
            INSERT INTO change_log (seq, entity, entity_id, at) VALUES (n, NEW.entity, NEW.entity_id, NEW.at);
            INSERT INTO change_audience (key, seq) SELECT DISTINCT k, n FROM unnest(NEW.audience) AS k;
            DELETE FROM change_pending WHERE id = NEW.id;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE CONSTRAINT TRIGGER change_pending_number AFTER INSERT ON change_pending
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION number_pending_change()""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS change_pending_number ON change_pending")
    op.execute("DROP FUNCTION IF EXISTS number_pending_change()")
    op.execute("DROP TABLE IF EXISTS change_pending")
