"""Indexes on the incidents' actor and site: a filter on part of a name reads the distinct names
from them instead of every row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incidents_actor", "incidents", ["actor"])
    op.create_index("ix_incidents_site", "incidents", ["site"])


def downgrade() -> None:
    op.drop_index("ix_incidents_site", "incidents")
    op.drop_index("ix_incidents_actor", "incidents")
