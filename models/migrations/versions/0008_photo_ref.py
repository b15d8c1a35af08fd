"""photo_ref: reports' and events' photos indexed by hash

Finding who waits for an uploaded photo, and whose ticket a photo belongs to, searched the JSON
text of every report and every ticket event: a full scan per photo upload and per photo view,
fine on a demo city and minutes of database time a day on a city with a million tickets. This
table holds the same fact by hash; existing rows are backfilled from the JSON lists.

Revision ID: 0008
Revises: 0007
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each hash once per owner, from the owners' JSON lists.
BACKFILL = {
    "postgresql": """
        INSERT INTO photo_ref (sha256, report_id, event_id)
        SELECT DISTINCT h.value, r.id, NULL::uuid
        FROM report r, jsonb_array_elements_text(r.photos || r.after_photos) AS h(value);
        INSERT INTO photo_ref (sha256, report_id, event_id)
        SELECT DISTINCT h.value, NULL::uuid, e.id
        FROM ticket_event e, jsonb_array_elements_text(e.photos) AS h(value);
    """,
    "sqlite": """
        INSERT INTO photo_ref (sha256, report_id, event_id)
        SELECT DISTINCT h.value, r.id, NULL
        FROM report r, json_each(r.photos) AS h
        UNION
        SELECT DISTINCT h.value, r.id, NULL
        FROM report r, json_each(r.after_photos) AS h;
        INSERT INTO photo_ref (sha256, report_id, event_id)
        SELECT DISTINCT h.value, NULL, e.id
        FROM ticket_event e, json_each(e.photos) AS h;
    """,
}


def upgrade() -> None:
    op.create_table(
        "photo_ref",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("(report_id IS NULL) <> (event_id IS NULL)", name=op.f("ck_photo_ref_one_owner")),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_photo_ref_report_id_report")),
        sa.ForeignKeyConstraint(["event_id"], ["ticket_event.id"], name=op.f("fk_photo_ref_event_id_ticket_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_ref")),
    )
    op.create_index(op.f("ix_photo_ref_sha256"), "photo_ref", ["sha256"], unique=False)
    for statement in BACKFILL[op.get_bind().dialect.name].split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    op.drop_index(op.f("ix_photo_ref_sha256"), table_name="photo_ref")
    op.drop_table("photo_ref")
