"""The HTTP API and the dashboard page, one FastAPI app over the incident store.

Read-only unless built with a write token; every route calls the store's reading functions or
``pipeline.ingest_reports`` and holds no logic of its own. Text from reports is data: the API returns
it as JSON, and the page (``static/``) puts it into the document as text, under a Content-Security-Policy
that runs no inline or foreign script.
"""

from __future__ import annotations

import hmac
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlencode, urlsplit

import orjson
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from .. import pipeline
from ..errors import OsintrackError
from ..filtering import DAY, MAX_TEXT, RULES, TEXT, FilterError
from ..model import Report
from ..store import IncidentFilter, explain, open_store, reconcile_tallies
from ..store.query import (
    SORTS,
    IncidentSummary,
    all_incidents,
    get_incident,
    get_report,
    incident_stats,
    search_incidents,
    store_mark,
)
from ..watch import source_report

T = TypeVar("T")
STATIC = Path(__file__).with_name("static")
VENDOR = STATIC / "vendor"
MAX_PAGE = 1000
MAX_POST = 1000  # reports per ingest request

def _query(name: str, description: str) -> Any:
    """A query parameter of the filter ``name``: the schema shows what ``store.filters`` checks (once, for
    the API and the command line alike, in ``incident_filter``)."""
    rule = RULES[name]
    takes: dict[str, Any] = ({"enum": list(rule.choices)} if rule.choices
                             else {"pattern": rule.pattern, "maxLength": MAX_TEXT})
    if rule.many:
        return Query(description=f"{description}; repeat it for any of several", json_schema_extra={
            "items": {"type": "string", **takes}})
    return Query(description=description, json_schema_extra=takes)


def incident_filter(
    country: Annotated[list[str] | None, _query("country", "ISO 3166-1 alpha-2, e.g. IQ")] = None,
    since: Annotated[str | None, _query("since", "First day: YYYY-MM-DD or YYYY-MM")] = None,
    until: Annotated[str | None, _query("until", "Last day: YYYY-MM-DD, or YYYY-MM for the month")] = None,
    actor: Annotated[str | None, _query("actor", "Part of the actor's name")] = None,
    site: Annotated[str | None, _query("site", "Part of the site's name")] = None,
    weapon: Annotated[list[str] | None, _query("weapon", "Weapon class")] = None,
    status: Annotated[list[str] | None, _query("status", "Incident status")] = None,
    event_type: Annotated[list[str] | None, _query("event_type", "Event type")] = None,
    lang: Annotated[list[str] | None, _query("lang", "A source's language (ISO 639-1)")] = None,
) -> IncidentFilter:
    """The query parameters every incident listing takes; the same filters, checked the same way, as
    ``osintrack incidents``."""
    return _checked(lambda: IncidentFilter.checked(country=country, since=since, until=until, actor=actor, site=site,
                                                   weapon=weapon, status=status, event_type=event_type, lang=lang))


def _checked(build: Callable[[], T]) -> T:
    """``build()``, a ``FilterError`` answered as FastAPI answers a parameter it refuses: 422, naming it."""
    try:
        return build()
    except FilterError as exc:
        raise RequestValidationError([{"type": "value_error", "loc": ("query", exc.field), "msg": exc.message,
                                       "input": exc.value}]) from exc


def _one_value_each(request: Request) -> None:
    """A parameter that takes one value, given twice, is refused rather than silently cut to its last value."""
    given = Counter(name for name, _ in request.query_params.multi_items())
    repeated = sorted(name for name, n in given.items() if n > 1 and not (name in RULES and RULES[name].many))
    if repeated:
        raise RequestValidationError([{"type": "value_error", "loc": ("query", name),
                                       "msg": f"{name} takes one value, not {given[name]}",
                                       "input": request.query_params.getlist(name)} for name in repeated])


Filter = Annotated[IncidentFilter, Depends(incident_filter)]


class IncidentPage(BaseModel):
    total: int = Field(description="incidents matching the filters")
    limit: int
    offset: int
    items: list[IncidentSummary]


class Highlight(BaseModel):
    field: str = Field(description='"evidence" (the words that report the event) or the field a span supports')
    start: int
    end: int


class SourceOut(BaseModel):
    report_id: str
    idx: int = Field(description="the event's position among its report's events")
    lang: str | None
    url: str | None = Field(description="as the report gave it: untrusted")
    published: str | None
    sentence: str | None = Field(description="the sentence around the evidence, in the report's own words")
    highlights: list[Highlight] = Field(description="spans inside the sentence")
    report: str = Field(description="where the stored report is served: /api/report?id=...")
    copy_of: str | None = Field(description="the report whose text this one copies (the same text, or nearly): "
                                            "one source with it, not counted again in n_reports")
    copy_similarity: float | None = Field(description="estimated share of shared word shingles; 1.0: the same text")


class DecisionOut(BaseModel):
    seq: int
    mention_key: str
    action: str
    reason: str


class IncidentDetail(BaseModel):
    incident: IncidentSummary
    fused: dict[str, Any] = Field(description="every field with the value each source gave (fusion.Fused)")
    sources: list[SourceOut]
    decisions: list[DecisionOut]


class ReportOut(BaseModel):
    id: str
    published: str | None
    lang: str | None
    url: str | None
    origin: str | None
    text: str = Field(description="verbatim, as ingested")


class IngestOut(BaseModel):
    stored: int
    known: int = Field(description="already stored with the same content: skipped")
    events: int
    tallies: int
    incidents_new: int = Field(description="incidents these reports opened")
    incidents: int = Field(description="incidents in the store after them")
    languages_detected: int = Field(description="reports whose lang has no language pack, read in the language "
                                                "detected instead")


class WatchedSource(BaseModel):
    url: str = Field(description="a feed or sitemap (a sitemap with a parent was listed by that sitemap index)")
    parent: str | None
    name: str | None
    lang: str | None
    interval: int | None = Field(description="seconds between two polls")
    kind: str | None = Field(description="rss, atom, sitemap or index, as last read")
    etag: str | None
    last_modified: str | None
    last_status: int | None = Field(description="HTTP status of the last answer; null when there was none")
    last_polled: str | None
    last_success: str | None
    last_error: str | None = Field(description="the last poll's error; null after a poll without one")
    last_error_at: str | None
    failures: int = Field(description="polls failed in a row")
    next_poll: str | None
    articles: dict[str, int] = Field(description="articles listed by it, by outcome: stored, duplicate, gone, "
                                                 "unusable, failed")


class StoreMark(BaseModel):
    batch: int = Field(description="the last batch committed: changes whenever reports are stored")
    committed_at: str | None


class SourcesOut(BaseModel):
    sources: list[WatchedSource]
    store: StoreMark


class FastJSONResponse(JSONResponse):
    """JSON encoded by orjson: pages of a thousand incidents, and maps of a large store (tens of MB)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class GeoJSONResponse(FastJSONResponse):
    media_type = "application/geo+json"


class ReportIn(BaseModel):
    """A report to ingest: the shared corpus's article record (FORMAT.md)."""

    id: str = Field(min_length=1, max_length=500, pattern=TEXT)
    text: str = Field(min_length=1, max_length=5_000_000)
    published: str | None = Field(default=None, pattern=DAY)
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    url: str | None = Field(default=None, max_length=4000, pattern=TEXT)


def create_app(db: str, *, write_token: str | None = None, tiles: str | None = None) -> FastAPI:
    """The API and dashboard over the store at ``db``. ``write_token`` enables ``POST /api/reports``
    for requests that carry it; ``tiles`` is an online tile layer's URL template for the map
    (default: country borders only, no network)."""
    # a read-only server never creates a store; one that may write (and would create it) says so
    engine, created = open_store(db, create=write_token is not None)
    app = FastAPI(title="osintrack", version="0.1.0", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", dependencies=[Depends(_one_value_each)],
                  description="Incidents of armed violence coded from news reports, each with its sources' "
                              "evidence. Read-only unless the server was started with a write token.")
    app.state.created_store = created
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)  # 9 costs 3x the time for 15%
    _security_headers(app, tiles)

    @app.exception_handler(OsintrackError)
    async def store_unavailable(_request: Request, exc: OsintrackError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.get("/api/incidents", summary="A page of incidents", response_model=IncidentPage)
    def incidents(where: Filter, sort: Literal[SORTS] = "date",  # type: ignore[valid-type]
                  limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
                  offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> FastJSONResponse:
        total, items = search_incidents(engine, where, sort=sort, limit=limit, offset=offset)
        # returned as built: re-validating a page of a thousand against IncidentPage costs more than the query
        return FastJSONResponse({"total": total, "limit": limit, "offset": offset, "items": items})

    @app.get("/api/incidents.geojson", summary="Every matching incident as GeoJSON points",
             response_class=GeoJSONResponse)
    def incidents_geojson(where: Filter) -> GeoJSONResponse:
        features = [_feature(item) for item in all_incidents(engine, where)]
        return GeoJSONResponse({"type": "FeatureCollection", "features": features})

    @app.get("/api/incidents/{incident_id}", summary="One incident: fused fields, sources with evidence, merge log",
             response_model=IncidentDetail, responses={404: {"description": "No such incident"}})
    def incident(incident_id: str) -> dict[str, Any]:
        summary = get_incident(engine, incident_id) if "\x00" not in incident_id else None
        found = explain(engine, incident_id) if summary is not None else None
        if summary is None or found is None:
            raise HTTPException(404, f"no incident {incident_id!r}")
        return {"incident": summary, "fused": found.fused,
                "sources": [{"report_id": src.report_id, "idx": src.idx, "lang": src.lang, "url": src.url,
                             "published": src.published, "sentence": src.sentence,
                             "highlights": [{"field": f, "start": a, "end": b} for f, a, b in src.highlights],
                             "report": report_link(src.report_id), "copy_of": src.copy_of,
                             "copy_similarity": src.copy_similarity} for src in found.sources],
                "decisions": [{"seq": d.seq, "mention_key": d.mention_key, "action": d.action, "reason": d.reason}
                              for d in found.decisions]}

    def report(report_id: str) -> dict[str, Any]:
        found = get_report(engine, report_id) if "\x00" not in report_id else None
        if found is None:
            raise HTTPException(404, f"no report {report_id!r}")
        return {"id": found.id, "published": found.published, "lang": found.lang, "url": found.url,
                "origin": found.origin, "text": found.text}

    # A report id may hold "/" (a .txt report's id is its path): the path form takes it whole. Ids with "."
    # or ".." segments, which URLs resolve away, are reached only by the query form, which the incident's
    # sources link to.
    app.get("/api/reports/{report_id:path}", summary="One stored report, its text verbatim",
            response_model=ReportOut, responses={404: {"description": "No such report"}})(report)

    @app.get("/api/report", summary="One stored report, named by ?id= (any id, exactly)", response_model=ReportOut,
             responses={404: {"description": "No such report"}})
    def report_by_query(report_id: Annotated[str, Query(alias="id", min_length=1)]) -> dict[str, Any]:
        return report(report_id)

    @app.get("/api/tallies", summary="Official tallies beside the incidents stored for the same window",
             description="Each tally with the stored incidents that the filters keep in its window and countries "
                         "(country: the countries counted for tallies without a breakdown, default IQ, SY, JO); "
                         "since and until keep the tallies given as of a day between them.")
    def tallies(where: Filter) -> dict[str, Any]:
        counted = replace(where, since=None, until=None)  # a tally's own window says which days count
        rows = reconcile_tallies(engine, list(where.countries()), counted)
        return {"rows": [row for row in rows if _as_of_within(row.get("as_of"), where)]}

    @app.get("/api/stats", summary="Counts of the matching incidents per day, country, weapon, status, language")
    def stats(where: Filter) -> dict[str, Any]:
        return incident_stats(engine, where)

    @app.get("/api/sources", summary="The sources osintrack watch follows, with their state; and the store's "
                                     "last batch", response_model=SourcesOut)
    def sources() -> dict[str, Any]:
        return {"sources": source_report(engine), "store": store_mark(engine)}

    @app.get("/api/config", summary="What the dashboard needs to know about this server")
    def config() -> dict[str, Any]:
        return {"tiles": tiles, "write": write_token is not None}

    if write_token is not None:
        _ingest_route(app, db, write_token)

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    return app


def _ingest_route(app: FastAPI, db: str, token: str) -> None:
    lock = threading.Lock()  # one writer per store: requests ingest one after another

    def authorised(request: Request) -> None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "this endpoint needs the server's write token: Authorization: Bearer TOKEN",
                                headers={"WWW-Authenticate": "Bearer"})

    @app.post("/api/reports", summary="Ingest reports (only on a server started with --write-token)",
              dependencies=[Depends(authorised)], response_model=IngestOut,
              responses={400: {"description": "The body is not JSON, or a report cannot be ingested"},
                         401: {"description": "No or wrong token"},
                         409: {"description": "A report id already stored with other content"}})
    def ingest(reports: Annotated[list[ReportIn], Field(max_length=MAX_POST)]) -> dict[str, Any]:
        records = [Report(id=r.id, text=r.text, published=r.published, lang=r.lang, url=r.url,
                          origin=f"POST /api/reports item {i}") for i, r in enumerate(reports)]
        with lock:
            try:
                stats = pipeline.ingest_reports(records, db)
            except OsintrackError as exc:
                raise HTTPException(409 if exc.code == "report_conflict" else 400, str(exc)) from exc
        return {"stored": stats.stored, "known": stats.known, "events": stats.events, "tallies": stats.tallies,
                "incidents_new": stats.incidents_new, "incidents": stats.incidents,
                "languages_detected": stats.languages_detected}


def _as_of_within(as_of: Any, where: IncidentFilter) -> bool:
    """Whether a tally given as of ``as_of`` falls in the filter's dates (the incidents' rule: a month in
    ``until`` keeps all of it)."""
    if not where.since and not where.until:
        return True
    if not isinstance(as_of, str):
        return False
    return (not where.since or as_of >= where.since) and (
        not where.until or as_of <= where.until or as_of.startswith(where.until))


def report_link(report_id: str) -> str:
    """Where the API serves a stored report: the query form, which every id survives."""
    return f"/api/report?{urlencode({'id': report_id})}"


def _feature(summary: dict[str, Any]) -> dict[str, Any]:
    lat, lon = summary.pop("lat"), summary.pop("lon")
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
    return {"type": "Feature", "id": summary["id"], "geometry": geometry, "properties": summary}


def _security_headers(app: FastAPI, tiles: str | None) -> None:
    """A policy under which only the app's own scripts and styles run, whatever a report contains."""
    images = "'self' data:" + (f" {_origin(tiles)}" if tiles else "")
    policy = ("default-src 'self'; script-src 'self'; style-src 'self'; "
              f"img-src {images}; connect-src 'self'; object-src 'none'; base-uri 'none'; "
              "form-action 'self'; frame-ancestors 'none'")

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response


def _origin(url: str) -> str:
    """The scheme and host of a tile URL template, as a CSP source."""
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}"
