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

TABLES: tuple[Table, ...] = (batches, reports, report_sketches, sketch_buckets, incidents, incident_fused, events,
                             tallies, merge_log)
"""Every table, parents before children (insert order; reverse it to drop)."""

TIMESTAMPS: dict[str, tuple[str, ...]] = {
    "batches": ("committed_at",), "reports": ("ingested_at",), "incidents": ("updated",),
    "merge_log": ("created",),
}
"""Columns that hold wall-clock times: the only ones a resumed run may write differently."""
