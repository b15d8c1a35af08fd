"""report: partial index on ticket_id for the reports fixed on the spot

The statistics count, per ticket of the period, whether any of its reports was fixed on the spot
(自行处置). That EXISTS ran once per ticket through ix_report_ticket_id and read each report row to
check the flag: about half of a month's dashboard at a million tickets. Few reports are fixed on
the spot, so this index is small and answers the question by itself.

Revision ID: 0009
Revises: 0008
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_report_fixed_on_spot", "report", ["ticket_id"], unique=False,
                    postgresql_where=sa.text("fixed_on_spot"), sqlite_where=sa.text("fixed_on_spot"))


def downgrade() -> None:
    op.drop_index("ix_report_fixed_on_spot", table_name="report")
