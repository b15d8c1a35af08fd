"""photo_ref: indexes on report_id and event_id

Completing a ticket's photos asks which photos its reports and events use and whether each is
stored (api.reports.repository.ticket_photo_counts, complete_reports_using). 0008 indexed
photo_ref by hash only; without these, each upload would scan the whole table for the owners'
rows — a table with a row per photo of every report and event the city ever had.

Revision ID: 0010
Revises: 0009
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_photo_ref_report_id"), "photo_ref", ["report_id"], unique=False)
    op.create_index(op.f("ix_photo_ref_event_id"), "photo_ref", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_photo_ref_event_id"), table_name="photo_ref")
    op.drop_index(op.f("ix_photo_ref_report_id"), table_name="photo_ref")
