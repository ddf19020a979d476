"""osintrack watch: per source its validators, last success, last error and next poll; per article its
canonical URL, content hash and the page as received; per host its robots.txt.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "watch_sources",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("parent", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("lang", sa.String(16)),
        sa.Column("interval", sa.Integer),
        sa.Column("kind", sa.String(8)),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_polled", _WHEN),
        sa.Column("last_success", _WHEN),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", _WHEN),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("next_poll", _WHEN),
    )
    op.create_table(
        "watch_articles",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("report_id", sa.String),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("http_status", sa.Integer),
        sa.Column("final_url", sa.Text),
        sa.Column("content_type", sa.Text),
        sa.Column("body", sa.LargeBinary),
        sa.Column("feed_published", sa.String(10)),
        sa.Column("error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("fetched_at", _WHEN),
    )
    op.create_index("ix_watch_articles_content_hash", "watch_articles", ["content_hash"])
    op.create_index("ix_watch_articles_report", "watch_articles", ["report_id"])
    op.create_table(
        "watch_hosts",
        sa.Column("origin", sa.Text, primary_key=True),
        sa.Column("robots_status", sa.Integer),
        sa.Column("robots", sa.Text),
        sa.Column("fetched_at", _WHEN, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("watch_hosts")
    op.drop_index("ix_watch_articles_report", "watch_articles")
    op.drop_index("ix_watch_articles_content_hash", "watch_articles")
    op.drop_table("watch_articles")
    op.drop_table("watch_sources")
