"""tickets: indexes for duplicate search and keyset-sorted lists

Revision ID: 0005_tickets_indexes
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision: str = "0005_tickets_indexes"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_category_lat_lon", ["category_code", "lat", "lon"], unique=False)
        batch_op.create_index("ix_ticket_updated_at_id", ["updated_at", "id"], unique=False)
        batch_op.create_index("ix_ticket_reported_at_id", ["reported_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_reported_at_id")
        batch_op.drop_index("ix_ticket_updated_at_id")
        batch_op.drop_index("ix_ticket_category_lat_lon")
