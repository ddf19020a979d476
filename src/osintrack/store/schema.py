"""The store's one schema, in SQLAlchemy Core. Alembic migrations (``migrations/``) create and change it.

Every id a run writes is computed by the writer (batch numbers, merge-log sequence), never drawn from a
database sequence, so that a run killed and run again leaves exactly the rows an uninterrupted run
leaves, on SQLite and PostgreSQL alike (a PostgreSQL sequence is not rolled back with its transaction).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

batches = Table(
    "batches", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # 1, 2, 3 ... in commit order
    Column("committed_at", DateTime(timezone=True), nullable=False),
    Column("n_reports", Integer, nullable=False),
)

reports = Table(
    "reports", metadata,
    Column("id", String, primary_key=True),
    Column("text", Text, nullable=False),  # verbatim: evidence offsets index it
    Column("content_hash", String(64), nullable=False),  # sha256 of the UTF-8 text, hex
    Column("published", String(10)),
    Column("lang", String(16)),
    Column("url", Text),
    Column("origin", Text),  # "file:line" it was first read from
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("seq", Integer, nullable=False),  # position in the store: input order across runs
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    # revision 0004: a report whose text is that of a report stored before it, or nearly, is a copy of it
    # (osintrack.copies): the original's id (no foreign key: adding one would rebuild the table on SQLite)
    Column("copy_of", String),
    Column("copy_similarity", Float),  # estimated Jaccard similarity of their shingles; 1.0: the same text
)
Index("ix_reports_seq", reports.c.seq, unique=True)
Index("ix_reports_content_hash", reports.c.content_hash)

# revision 0004: the MinHash sketch of every original (not of copies), and the buckets it falls into,
# where the next reports look for the original they copy
report_sketches = Table(
    "report_sketches", metadata,
    Column("report_id", String, ForeignKey("reports.id"), primary_key=True),
    Column("sketch", LargeBinary, nullable=False),  # copies.Sketch.to_bytes()
)
sketch_buckets = Table(
    "sketch_buckets", metadata,
    Column("bucket", String(16), primary_key=True),
    Column("report_id", String, ForeignKey("reports.id"), primary_key=True),
)

events = Table(
    "events", metadata,
    Column("report_id", String, ForeignKey("reports.id"), primary_key=True),
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("event_type", String, nullable=False),
    Column("date", String(10)),
    Column("date_precision", String(8)),
    Column("country", String(2)),
    Column("admin1", String),
    Column("site", String),
    Column("lat", Float),
    Column("lon", Float),
    Column("geo_precision", String(8)),
    Column("weapon", String, nullable=False),
    Column("actor", String),
    Column("target", String),
    Column("claimed_by", String),
    Column("confirmed_by", String),
    Column("killed", Integer),
    Column("injured", Integer),
    Column("intercepted", Boolean),
    Column("evidence", JSON),  # model.Event evidence form: {text, start, end, fields?}
    Column("incident_id", String, ForeignKey("incidents.id")),
)
Index("ix_events_incident", events.c.incident_id)

tallies = Table(
    "tallies", metadata,
    Column("report_id", String, ForeignKey("reports.id"), primary_key=True),
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("metric", String, nullable=False),
    Column("count", Integer, nullable=False),
    Column("qualifier", String),
    Column("breakdown", JSON),
    Column("since", String(10)),
    Column("as_of", String(10)),
    Column("reported_by", String),
    Column("evidence", JSON),
)

incidents = Table(
    "incidents", metadata,
    Column("id", String, primary_key=True),
    # copies of fused fields, for filtering without parsing JSON
    Column("date", String(10)),
    Column("country", String(2)),
    Column("site", String),
    Column("event_type", String),
    Column("weapon", String),
    Column("actor", String),
    Column("status", String),
    Column("n_mentions", Integer, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
    # revision 0002: what the HTTP API lists and maps
    Column("date_precision", String(8)),
    Column("admin1", String),
    Column("lat", Float),
    Column("lon", Float),
    Column("geo_precision", String(8)),
    Column("claimed_by", String),
    Column("confirmed_by", String),
    Column("killed", Integer),
    Column("injured", Integer),
    Column("n_reports", Integer),  # distinct reports
    Column("languages", String),  # "ar,en": the reports' languages, sorted
)
Index("ix_incidents_date", incidents.c.date)
Index("ix_incidents_country", incidents.c.country)
Index("ix_incidents_weapon", incidents.c.weapon)
Index("ix_incidents_status", incidents.c.status, incidents.c.languages)  # languages: 'confirmed, in Arabic'
# the distinct names a part of a name is looked up in (store.read.IncidentFilter; migration 0003)
Index("ix_incidents_actor", incidents.c.actor)
Index("ix_incidents_site", incidents.c.site)
# the sorts of store.query, each index with the very expressions of its ORDER BY (migration 0002)
_i = incidents.c
Index("ix_incidents_by_date", _i.date.is_(None), _i.date, _i.id)
Index("ix_incidents_by_date_desc", _i.date.is_(None), _i.date.desc(), _i.id.desc())
Index("ix_incidents_by_killed", _i.killed.is_(None), _i.killed.desc(), _i.id)
Index("ix_incidents_by_reports", _i.n_reports.is_(None), _i.n_reports.desc(), _i.id)
# a country is the filter most used: its incidents by date, either way, without a sort
Index("ix_incidents_country_by_date", _i.country, _i.date.is_(None), _i.date, _i.id)
Index("ix_incidents_country_by_date_desc", _i.country, _i.date.is_(None), _i.date.desc(), _i.id.desc())

incident_fused = Table(
    "incident_fused", metadata,  # apart from incidents, so that scans of incidents never read it
    Column("id", String, ForeignKey("incidents.id"), primary_key=True),
    Column("fused", JSON, nullable=False),  # fusion.Fused as JSON: fields with provenance
)

merge_log = Table(
    "merge_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),  # 1, 2, 3 ... in decision order
    Column("mention_key", String, nullable=False),  # f"{report_id}#{idx}"
    Column("incident_id", String, nullable=False),
    Column("action", String, nullable=False),  # e.g. "new" or "merge", as resolve.Decision says
    Column("reason", Text, nullable=False),
    Column("decision", JSON, nullable=False),  # the whole Decision, for explain
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)
Index("ix_merge_log_incident", merge_log.c.incident_id)
Index("ix_merge_log_mention", merge_log.c.mention_key)

# --- osintrack watch (migration 0005): what the poller knows of its sources, their articles and hosts ---

watch_sources = Table(
    "watch_sources", metadata,
    Column("url", Text, primary_key=True),  # a feed or sitemap, as configured (or listed by a sitemap index)
    Column("parent", Text),  # the sitemap index that listed it; polled with it
    Column("name", Text),
    Column("lang", String(16)),  # the language hint of sources.yaml
    Column("interval", Integer),  # seconds between polls
    Column("kind", String(8)),  # rss, atom, sitemap, index: what it was at the last poll
    Column("etag", Text),  # validators of the last full answer, sent back as If-None-Match / If-Modified-Since
    Column("last_modified", Text),
    Column("last_status", Integer),  # HTTP status of the last answer (None: no answer)
    Column("last_polled", DateTime(timezone=True)),
    Column("last_success", DateTime(timezone=True)),
    Column("last_error", Text),  # the last poll's error, None after a poll without one
    Column("last_error_at", DateTime(timezone=True)),
    Column("failures", Integer, nullable=False),  # polls failed in a row
    Column("next_poll", DateTime(timezone=True)),
)

watch_articles = Table(
    "watch_articles", metadata,
    Column("url", Text, primary_key=True),  # canonical: no fragment, no tracking parameters, sorted query
    Column("source_url", Text, nullable=False),  # the feed it was first listed in
    Column("status", String(12), nullable=False),  # stored, duplicate, gone, unusable, failed (watch.state)
    Column("report_id", String),  # the report stored from it, or that it duplicates
    Column("content_hash", String(64)),  # reports.content_hash of its text
    Column("http_status", Integer),
    Column("final_url", Text),  # after redirects
    Column("content_type", Text),
    Column("body", LargeBinary),  # the page's bytes as received (decoded transfer), gzip-compressed
    Column("feed_published", String(10)),  # the date the feed gave it
    Column("error", Text),
    Column("attempts", Integer, nullable=False),
    Column("fetched_at", DateTime(timezone=True)),
)
Index("ix_watch_articles_content_hash", watch_articles.c.content_hash)
Index("ix_watch_articles_report", watch_articles.c.report_id)

watch_hosts = Table(
    "watch_hosts", metadata,
    Column("origin", Text, primary_key=True),  # scheme://host[:port]
    Column("robots_status", Integer),  # HTTP status of /robots.txt (None: no answer)
    Column("robots", Text),  # its text, when it had one
    Column("fetched_at", DateTime(timezone=True), nullable=False),
)

TABLES: tuple[Table, ...] = (batches, reports, report_sketches, sketch_buckets, incidents, incident_fused, events,
                             tallies, merge_log, watch_sources, watch_articles, watch_hosts)
"""Every table, parents before children (insert order; reverse it to drop)."""

TIMESTAMPS: dict[str, tuple[str, ...]] = {
    "batches": ("committed_at",), "reports": ("ingested_at",), "incidents": ("updated",),
    "merge_log": ("created",),
    "watch_sources": ("last_polled", "last_success", "last_error_at", "next_poll"),
    "watch_articles": ("fetched_at",), "watch_hosts": ("fetched_at",),
}
"""Columns that hold wall-clock times: the only ones a resumed run may write differently."""
