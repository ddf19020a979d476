"""The original each report of a batch copies, if any (``osintrack.copies``): among the reports stored
before the batch, by content hash and by the buckets of the stored originals' sketches, and among the
reports before it in the batch. The decision depends only on the reports before it, in store order, so a
resumed ingest makes the decisions an uninterrupted one makes, whatever the batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..copies import NEAR, Sketch, sketch
from ..model import Report
from . import schema as s

_IN = 500  # values per IN (...) list


@dataclass(frozen=True, slots=True)
class Copy:
    original: str  # the id of the report whose text this one copies (itself an original)
    similarity: float  # estimated Jaccard similarity; 1.0 for the same text


@dataclass(slots=True)
class BatchCopies:
    """What ``find_copies`` found: the copies of the batch, and the sketch of each of its originals."""

    copies: dict[str, Copy] = field(default_factory=dict)
    sketches: dict[str, Sketch] = field(default_factory=dict)

    def report_columns(self, report_id: str) -> dict[str, Any]:
        found = self.copies.get(report_id)
        return {"copy_of": found.original if found else None, "copy_similarity": found.similarity if found else None}

    def write_sketches(self, conn: Connection) -> None:
        """The batch's originals into ``report_sketches`` and ``sketch_buckets`` (their reports are stored)."""
        sketches = [{"report_id": rid, "sketch": sk.to_bytes()} for rid, sk in self.sketches.items()]
        buckets = [{"bucket": bucket, "report_id": rid} for rid, sk in self.sketches.items()
                   for bucket in dict.fromkeys(sk.buckets())]
        for table, rows in ((s.report_sketches, sketches), (s.sketch_buckets, buckets)):
            if rows:
                conn.execute(table.insert(), rows)


def find_copies(conn: Connection, reports: Sequence[Report], hashes: Sequence[str],
                before: int | None = None) -> BatchCopies:
    """For each report of a batch (``hashes``: their content hashes), in order: the earliest report before it
    with the same text, else the earliest original before it whose sketch is ``NEAR`` its own or closer.

    ``before``: where the batch stands in the store when its reports are stored already (a migration), so
    that only the reports before it count."""
    out = BatchCopies()
    same = _stored_with_hashes(conn, set(hashes), before)
    sketches = {r.id: sketch(r.text) for r, h in zip(reports, hashes, strict=True) if h not in same}
    stored = _stored_candidates(conn, {b for sk in sketches.values() for b in sk.buckets()})
    batch_buckets: dict[str, list[str]] = {}
    for report, digest in zip(reports, hashes, strict=True):
        if digest in same:
            out.copies[report.id] = Copy(same[digest], 1.0)
            continue
        mine = sketches[report.id]
        found = _nearest_before(mine, stored, batch_buckets, out.sketches)
        if found is not None:
            out.copies[report.id] = found
            continue
        same[digest] = report.id
        out.sketches[report.id] = mine
        for bucket in mine.buckets():
            batch_buckets.setdefault(bucket, []).append(report.id)
    return out


def _nearest_before(mine: Sketch, stored: dict[str, list[tuple[int, str, Sketch]]],
                    batch_buckets: dict[str, list[str]], batch: dict[str, Sketch]) -> Copy | None:
    """The earliest original (stored ones first, by position; then the batch's, in order) that ``mine``
    is ``NEAR`` to."""
    buckets = mine.buckets()
    earlier = sorted({entry for bucket in buckets for entry in stored.get(bucket, ())}, key=lambda e: e[0])
    candidates = [(rid, sk) for _, rid, sk in earlier]
    candidates += [(rid, batch[rid]) for rid in dict.fromkeys(r for b in buckets for r in batch_buckets.get(b, ()))]
    for rid, theirs in candidates:
        similarity = mine.similarity(theirs)
        if similarity >= NEAR:
            return Copy(rid, round(similarity, 4))
    return None


def _stored_with_hashes(conn: Connection, hashes: set[str], before: int | None) -> dict[str, str]:
    """Content hash -> the original of the earliest stored report with that text."""
    r = s.reports.c
    out: dict[str, str] = {}
    for chunk in _chunks(sorted(hashes)):
        query = select(r.content_hash, r.id, r.copy_of).where(r.content_hash.in_(chunk))
        if before is not None:
            query = query.where(r.seq < before)
        for digest, rid, copy_of in conn.execute(query.order_by(r.seq)):
            out.setdefault(digest, copy_of or rid)
    return out


def _stored_candidates(conn: Connection, buckets: set[str]) -> dict[str, list[tuple[int, str, Sketch]]]:
    """Bucket -> the stored originals in it, as (position, id, sketch)."""
    b, k, r = s.sketch_buckets.c, s.report_sketches.c, s.reports.c
    out: dict[str, list[tuple[int, str, Sketch]]] = {}
    for chunk in _chunks(sorted(buckets)):
        query = (select(b.bucket, r.seq, k.report_id, k.sketch).join(s.report_sketches, k.report_id == b.report_id)
                 .join(s.reports, r.id == b.report_id).where(b.bucket.in_(chunk)))
        for bucket, seq, rid, data in conn.execute(query):
            out.setdefault(bucket, []).append((seq, rid, Sketch.from_bytes(data)))
    return out


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _IN):
        yield values[start:start + _IN]
