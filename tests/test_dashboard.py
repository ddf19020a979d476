"""The dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by Playwright,
against the real server (uvicorn in a thread) over a SQLite store of the example reports.

Checks that the page loads with no console error and no Content-Security-Policy violation, that the map,
timeline and tally chart draw, that the filters and the timeline brush give the same incidents as the
API's own filters, that an incident's panel shows each source's sentence with the evidence marked, that
text and URLs from a hostile report stay inert, and that 100,000 incidents load without freezing the page.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
VENDOR = ROOT / "src" / "osintrack" / "web" / "static" / "vendor"
ARTIFACTS = ROOT / "test-artifacts"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1440, "height": 900}

NO_CHROMIUM = ("browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium), "
               "which is not installed")

# Written for this test: markup and a javascript: URL around a sentence the extractor turns into an event.
HOSTILE = {
    "id": "hostile-markup-report",
    "published": "2024-03-07",
    "lang": "en",
    "url": "javascript:window.__pwned=3",
    "text": ("Militants <script>window.__pwned=1</script>fired three rockets at "
             "<img src=x onerror=\"window.__pwned=2\">Ain al-Asad air base in Iraq on Tuesday, the Pentagon said. "
             "No one was hurt, a spokesman added."),
}

# Records every CSP violation the page reports, before any of the page's own scripts run.
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || ''));
});
"""


# ---------------------------------------------------------------- fixtures


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The real app under uvicorn, on a free loopback port, in a daemon thread."""

    def __init__(self, db_url: str, wrap: Callable[[Any], Any] | None = None, tiles: str | None = None) -> None:
        import uvicorn

        from osintrack.web import create_app

        self.db_url = db_url
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tiles = tiles.replace("PORT", str(self.port)) if tiles else None
        app = create_app(db_url, tiles=self.tiles)
        config = uvicorn.Config(wrap(app) if wrap else app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while True:
            try:
                self.get("/api/config")
                return self
            except OSError:
                if time.monotonic() > deadline or not self.thread.is_alive():
                    raise RuntimeError("the dashboard server did not start") from None
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def get(self, path: str, **params: str) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(self.base + path + query, timeout=10) as response:
            return json.loads(response.read())


def _ingest(paths: list[Path], db: Path) -> str:
    from osintrack.pipeline import ingest_paths

    url = f"sqlite:///{db}"
    ingest_paths(paths, url, workers=1)
    return url


TOWER_REPORT = "txt/de-2024-01-29-tower-22"  # a .txt report: its id holds "/"


def _tower_copy() -> dict[str, Any]:
    """The German Tower 22 report again, as another site would syndicate it: one source, not two."""
    text = (ROOT / "examples" / "reports" / f"{TOWER_REPORT}.txt").read_text(encoding="utf-8")
    return {"id": "wire/tower-22-copy", "url": "https://syndicated.example/tower-22", "lang": "de",
            "published": "2024-01-29", "text": text}


def _need_chromium() -> None:
    """Skip without Chromium, saying why; CI (``OSINTRACK_REQUIRE_BROWSER=1``, set by .ci/run) fails instead."""
    if CHROMIUM.exists():
        return
    if os.environ.get("OSINTRACK_REQUIRE_BROWSER"):
        pytest.fail(NO_CHROMIUM)
    pytest.skip(NO_CHROMIUM)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _need_chromium()
    if not (VENDOR / "leaflet.js").exists():
        pytest.fail(f"the dashboard's libraries are missing from {VENDOR}: run `make web`")
    tmp = tmp_path_factory.mktemp("dashboard")
    hostile = tmp / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE) + "\n" + json.dumps(_tower_copy(), ensure_ascii=False) + "\n",
                       encoding="utf-8")
    url = _ingest([ROOT / "examples" / "reports", hostile], tmp / "store.db")
    with Server(url) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page with its console errors, uncaught exceptions and dialogs collected."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.add_init_script(WATCH_CSP)
        self.page.on("console", lambda msg: self.errors.append(f"console {msg.type}: {msg.text}")
                     if msg.type == "error" or "Content Security Policy" in msg.text else None)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on("response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, base: str) -> Any:
        self.page.goto(base + "/")
        self.page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        return self.page

    def problems(self) -> list[str]:
        return self.errors + [f"CSP violation: {v}" for v in self.page.evaluate("window.__csp")]


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.context.close()


def _shown(page: Any) -> int:
    return int(page.get_attribute("#count", "data-shown"))


def _wait_shown(page: Any, expected: int) -> None:
    # A function, not an expression: Playwright evaluates expressions with eval, which the page's CSP refuses.
    page.wait_for_function("n => document.querySelector('#count').dataset.shown === String(n)", arg=expected)


def _server_count(server: Server, **params: str) -> int:
    return len(server.get("/api/incidents.geojson", **params)["features"])


def _screenshot(target: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    target.screenshot(path=str(ARTIFACTS / name))


def _open_incident(page: Any, incident_id: str) -> Any:
    page.click(f"#incident-list tr[data-id='{incident_id}']")
    page.wait_for_selector("#panel .sources .source", timeout=10_000)
    return page.locator("#panel")


# ---------------------------------------------------------------- tests


def test_page_loads_and_draws_every_view(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)
    total = _server_count(server)
    assert _shown(page) == total > 10
    page.wait_for_selector("#map .leaflet-overlay-pane canvas")
    drawn = int(page.get_attribute("#map", "data-clusters")) + int(page.get_attribute("#map", "data-points"))
    assert drawn > 0
    assert page.locator("#timeline svg .bars rect").count() > 0
    assert int(page.get_attribute("#tally", "data-points")) > 0
    assert page.locator("#tally svg circle.official").count() > 0
    assert page.locator("#incident-list tbody tr").count() == min(200, total)
    _screenshot(page, "dashboard.png")
    assert watched.problems() == []


@pytest.mark.parametrize("field,value", [
    ("country", "SY"), ("weapon", "drone"), ("status", "confirmed"), ("event_type", "air_strike"), ("lang", "ar"),
])
def test_select_filters_match_the_api(server: Server, watched: Watched, field: str, value: str) -> None:
    page = watched.open(server.base)
    total = _shown(page)
    page.select_option(f"#filters [name='{field}']", value)
    expected = _server_count(server, **{field: value})
    assert 0 < expected < total
    _wait_shown(page, expected)
    assert page.locator("#incident-list tbody tr").count() == expected
    assert watched.problems() == []


def test_text_and_date_filters_match_the_api(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)
    page.fill("#filters [name='actor']", "islamic resistance")
    expected = _server_count(server, actor="islamic resistance")
    assert expected > 0
    _wait_shown(page, expected)
    page.click("#reset-filters")
    page.fill("#filters [name='since']", "2023-11-01")
    page.fill("#filters [name='until']", "2023-11-30")
    page.locator("#filters [name='until']").dispatch_event("change")
    expected = _server_count(server, since="2023-11-01", until="2023-11-30")
    assert expected > 0
    _wait_shown(page, expected)
    assert watched.problems() == []


def test_brushing_the_timeline_narrows_everything(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)
    total = _shown(page)
    box = page.locator("#timeline svg .brush .overlay").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, y, steps=5)
    page.mouse.up()
    page.wait_for_function("n => Number(document.querySelector('#count').dataset.shown) < n", arg=total)
    since = page.input_value("#filters [name='since']")
    until = page.input_value("#filters [name='until']")
    assert since and until and since <= until
    shown = _shown(page)
    assert 0 < shown == _server_count(server, since=since, until=until)
    assert page.locator("#incident-list tbody tr").count() == shown
    assert page.locator("#timeline .bars rect.dim").count() > 0
    page.click("#reset-window")
    _wait_shown(page, total)
    assert watched.problems() == []


def test_incident_panel_shows_marked_sentences_and_links(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)
    incidents = server.get("/api/incidents", sort="-n_reports", limit="1")["items"]
    panel = _open_incident(page, incidents[0]["id"])
    sources = panel.locator(".source")
    assert sources.count() >= 2
    first = sources.first
    sentence = first.locator("p.sentence")
    assert sentence.get_attribute("dir") == "auto" and sentence.get_attribute("lang")
    assert sentence.locator("mark").count() > 0 and sentence.locator("mark").first.inner_text().strip()
    original = first.locator("a.original")
    assert original.get_attribute("href").startswith(("http://", "https://"))
    assert original.get_attribute("rel") == "noopener noreferrer nofollow"
    assert first.locator("a.stored-text").get_attribute("href").startswith("/api/report?id=")
    first.locator("a.stored-text").click()
    page.wait_for_selector("#panel .report-text pre mark")
    _screenshot(panel, "panel.png")
    _screenshot(page, "dashboard-with-panel.png")
    assert watched.problems() == []


def test_map_cluster_click_zooms_in_or_lists_its_incidents(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)
    page.click("input[name='colour-by'][value='status']")
    assert page.locator("#map-legend").inner_text().startswith("Status")
    assert int(page.get_attribute("#map", "data-clusters")) > 0
    zoom = float(page.get_attribute("#map", "data-zoom"))
    page.locator("#map .cluster-icon").first.click()
    page.wait_for_function("z => Number(document.querySelector('#map').dataset.zoom) > z || "
                           "document.querySelector('#list-note').textContent.includes('one spot')", arg=zoom)
    assert watched.problems() == []


def test_hostile_report_stays_inert(server: Server, watched: Watched) -> None:
    found = server.get("/api/incidents", site="Ain al-Asad", since="2024-03-01")["items"]
    assert len(found) == 1, "the extractor should find one event in the hostile report"
    page = watched.open(server.base)
    panel = _open_incident(page, found[0]["id"])
    text = panel.inner_text()
    assert "<script>window.__pwned=1</script>" in text
    assert '<img src=x onerror="window.__pwned=2">' in text
    assert panel.locator("mark").count() > 0
    assert panel.locator("script, img").count() == 0
    assert panel.locator("a.original").count() == 0
    for href in panel.locator("a").evaluate_all("links => links.map(a => a.href)"):
        assert urllib.parse.urlsplit(href).scheme in ("http", "https"), href
    panel.locator("a.stored-text").first.click()
    page.wait_for_selector("#panel .report-text pre")
    assert "onerror" in panel.locator(".report-text pre").inner_text()
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert watched.dialogs == []
    _screenshot(panel, "panel-hostile.png")
    assert watched.problems() == []


def test_100000_incidents_stay_responsive(server: Server, browser: Any) -> None:
    """The store's incidents replaced by a synthetic FeatureCollection of 100,000: the page loads them, draws
    clusters (not 100,000 markers), and a filter change and a brush over all of them take well under seconds."""
    body = _synthetic_collection(100_000).encode()
    with Server(server.db_url, wrap=lambda app: _serving_geojson(app, body)) as big:
        watched = Watched(browser)
        try:
            page = watched.page
            started = time.monotonic()
            watched.open(big.base)
            loaded = time.monotonic() - started
            assert _shown(page) == 100_000
            assert page.locator("#map .cluster-icon").count() < 400
            assert page.locator("#incident-list tbody tr").count() == 200
            assert loaded < 20, f"loading 100,000 incidents took {loaded:.1f}s"
            took = page.evaluate("""() => {
                const select = document.querySelector('#filters [name=country]');
                const t0 = performance.now();
                select.value = 'SY';
                select.dispatchEvent(new Event('change', {bubbles: true}));
                return performance.now() - t0;
            }""")
            assert 0 < _shown(page) < 100_000
            assert took < 2000, f"a filter change over 100,000 incidents took {took:.0f} ms"
            before = _shown(page)
            box = page.locator("#timeline svg .brush .overlay").bounding_box()
            y = box["y"] + box["height"] / 2
            page.mouse.move(box["x"] + box["width"] * 0.4, y)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=4)
            started = time.monotonic()
            page.mouse.up()
            page.wait_for_function("n => Number(document.querySelector('#count').dataset.shown) < n", arg=before)
            brushed = time.monotonic() - started
            assert brushed < 3, f"a brush over 100,000 incidents took {brushed:.1f}s"
            _screenshot(page, "dashboard-100k.png")
            assert watched.problems() == []
        finally:
            watched.context.close()


def _serving_geojson(app: Any, body: bytes) -> Any:
    """The app, but with ``body`` as the answer to /api/incidents.geojson."""
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/api/incidents.geojson":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/geo+json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)
    return wrapped


# A 1x1 grey PNG, served as every map tile.
TILE = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55"
                     "0000000a49444154789c6378010000ea00e9dee24e2f0000000049454e44ae426082")


def _serving_tiles(app: Any) -> Any:
    """The app, plus map tiles at /tiles/{z}/{x}/{y}.png."""
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/tiles/"):
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"image/png")]})
            await send({"type": "http.response.body", "body": TILE})
            return
        await app(scope, receive, send)
    return wrapped


def test_online_tile_layer_is_optional(server: Server, browser: Any) -> None:
    """With --tiles, the map draws tiles from that host (another origin here: localhost, not 127.0.0.1) and
    offers the borders-only basemap; without it (every other test) no tile is requested."""
    with Server(server.db_url, wrap=_serving_tiles, tiles="http://localhost:PORT/tiles/{z}/{x}/{y}.png") as tiled:
        assert tiled.get("/api/config")["tiles"] == tiled.tiles
        watched = Watched(browser)
        try:
            page = watched.open(tiled.base)
            page.wait_for_selector("#map img.leaflet-tile-loaded")
            assert page.locator("#map .leaflet-control-layers").count() == 1
            assert "localhost" in page.locator("#map .map-credit").inner_text()
            assert watched.problems() == []
        finally:
            watched.context.close()


def _synthetic_collection(n: int) -> str:
    import random

    rng = random.Random(7)
    countries = [("IQ", 33.3, 44.4, 3.0), ("SY", 35.0, 38.5, 2.5), ("JO", 31.9, 36.0, 1.0), ("YE", 15.4, 44.2, 2.0),
                 ("IL", 31.5, 34.9, 0.8)]
    weapons = ["drone", "rocket", "missile", "mortar", "aircraft", "unknown"]
    features = []
    for i in range(n):
        code, lat, lon, spread = countries[rng.randrange(len(countries))]
        day = 1_697_500_800 + rng.randrange(400) * 86_400
        placed = rng.random() > 0.03
        point = [round(lon + rng.gauss(0, spread), 4), round(lat + rng.gauss(0, spread / 2), 4)]
        features.append({
            "type": "Feature", "id": f"syn-{i}",
            "geometry": {"type": "Point", "coordinates": point} if placed else None,
            "properties": {
                "id": f"syn-{i}", "date": time.strftime("%Y-%m-%d", time.gmtime(day)), "date_precision": "day",
                "country": code, "admin1": None, "site": f"site {i % 997}", "geo_precision": "town",
                "event_type": "air_strike" if i % 5 == 0 else "attack", "weapon": weapons[i % len(weapons)],
                "actor": None, "claimed_by": None, "confirmed_by": None,
                "status": ("confirmed", "claimed", "reported")[i % 3], "killed": i % 4 or None, "injured": None,
                "n_mentions": 1, "n_reports": 1, "languages": ["en"]}})
    return json.dumps({"type": "FeatureCollection", "features": features})


def test_shared_corpus_screenshots(browser: Any, tmp_path: Path) -> None:
    articles = [CORPUS / "seeds" / "articles.jsonl", CORPUS / "dev" / "articles.jsonl"]
    missing = [str(path) for path in articles if not path.exists()]
    if missing:
        pytest.skip(f"the shared corpus is absent ({', '.join(missing)}); no corpus screenshots")
    url = _ingest(articles, tmp_path / "corpus.db")
    with Server(url) as running:
        watched = Watched(browser)
        try:
            page = watched.open(running.base)
            assert _shown(page) > 0
            chosen = running.get("/api/incidents", sort="-n_reports", limit="1")["items"][0]
            panel = _open_incident(page, chosen["id"])
            _screenshot(page, "dashboard-corpus.png")
            panel.locator("h3").evaluate("""h => { const p = h.closest('#panel');
                p.scrollTop += h.getBoundingClientRect().top - p.getBoundingClientRect().top - 8; }""")
            _screenshot(panel, "panel-corpus.png")
            assert watched.problems() == []
        finally:
            watched.context.close()


def test_page_references_only_its_own_files() -> None:
    """index.html loads only files served from /static/ (the vendored ones exist after `make web`), and has no
    inline script or style for the Content-Security-Policy to block."""
    import re

    html = (ROOT / "src" / "osintrack" / "web" / "static" / "index.html").read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(ref.startswith("/static/") for ref in refs), refs
    missing = [ref for ref in refs if not (ROOT / "src" / "osintrack" / "web" / ref.lstrip("/")).is_file()]
    assert missing == [], f"missing (run `make web` for vendor/ files): {missing}"
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    assert "<style" not in html and " style=" not in html
    assert re.search(r"<[^>]+\son[a-z]+=", html) is None


# ---------------------------------------------------------------- the dashboard as an analyst uses it


def _tower(server: Server) -> dict[str, Any]:
    return server.get("/api/incidents", site="Tower 22")["items"][0]


def _box(page: Any, selector: str) -> dict[str, float]:
    return page.locator(selector).first.bounding_box()


def test_the_list_shows_many_incidents_one_line_each(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)
    wrap = _box(page, ".list-area .table-wrap")
    rows = page.locator("#incident-list tbody tr").evaluate_all(
        "rows => rows.map(r => { const b = r.getBoundingClientRect(); return [b.top, b.bottom, b.height]; })")
    line = page.locator("#incident-list tbody td.c-type").first.evaluate(
        "td => parseFloat(getComputedStyle(td).lineHeight) || parseFloat(getComputedStyle(td).fontSize) * 1.2")
    assert all(height < 2 * line for _, _, height in rows), "a row of the list wraps onto a second line"
    visible = sum(1 for top, bottom, _ in rows if top >= wrap["y"] and bottom <= wrap["y"] + wrap["height"] + 1)
    assert visible >= 14, f"only {visible} incidents visible in the list at 1440x900"
    for cell in page.locator("#incident-list tbody td.c-place").all()[:5]:  # a place cut short keeps its name
        assert cell.get_attribute("title")
    assert watched.problems() == []


def test_the_selected_incident_is_ringed_on_the_map(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)
    tower = _tower(server)
    _open_incident(page, tower["id"])
    assert page.get_attribute("#map", "data-selected") == tower["id"]
    ring, area = _box(page, "#map .selected-marker"), _box(page, "#map")
    centre = (ring["x"] + ring["width"] / 2, ring["y"] + ring["height"] / 2)
    assert area["x"] < centre[0] < area["x"] + area["width"] and area["y"] < centre[1] < area["y"] + area["height"]
    other = server.get("/api/incidents", site="Ain al-Asad", sort="-date", limit="1")["items"][0]
    _open_incident(page, other["id"])
    page.wait_for_function("id => document.querySelector('#map').dataset.selected === id", arg=other["id"])
    moved = _box(page, "#map .selected-marker")
    assert page.locator("#map .selected-marker").count() == 1 and (moved["x"], moved["y"]) != (ring["x"], ring["y"])
    _screenshot(page, "dashboard-1440-selected.png")
    assert watched.problems() == []


def test_a_filter_that_excludes_the_open_incident_closes_it(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)
    tower = _tower(server)  # in Jordan
    _open_incident(page, tower["id"])
    page.select_option("#filters [name='country']", "SY")
    _wait_shown(page, _server_count(server, country="SY"))
    assert page.locator("#panel .sources").count() == 0 and page.locator("#panel .placeholder").count() == 1
    assert page.locator("#map .selected-marker").count() == 0 and page.get_attribute("#map", "data-selected") == ""
    assert page.locator("#incident-list tr.selected").count() == 0
    assert watched.problems() == []


def _legend_colours(page: Any) -> dict[str, str]:
    return dict(page.locator("#timeline-legend .legend-item").evaluate_all(
        "items => items.map(i => [i.textContent.trim(), i.querySelector('.swatch').style.backgroundColor])"))


def test_a_country_keeps_its_colour_when_filtered(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)
    before = _legend_colours(page)
    page.select_option("#filters [name='country']", "SY")
    _wait_shown(page, _server_count(server, country="SY"))
    after = _legend_colours(page)
    assert list(after) == ["Syria"] and after["Syria"] == before["Syria"]
    fills = set(page.locator("#timeline .bars g").evaluate_all("gs => gs.map(g => g.getAttribute('fill'))"))
    assert len(fills) == 1
    assert watched.problems() == []


def test_no_match_says_so_and_offers_to_clear_the_filters(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)
    total = _shown(page)
    page.fill("#filters [name='actor']", "an actor no report names")
    _wait_shown(page, 0)
    empty = page.locator("#incident-list tr.empty-row")
    assert empty.count() == 1 and "No incident matches these filters" in empty.inner_text()
    empty.locator("button").click()
    _wait_shown(page, total)
    assert watched.problems() == []


def _stored_values(page: Any) -> list[str]:
    return page.locator("#tally .stored-value").evaluate_all("texts => texts.map(t => t.textContent)")


def test_the_official_counts_chart_follows_the_filters(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)

    def expected(**params: str) -> list[str]:
        rows = server.get("/api/tallies", **params)["rows"]
        return sorted(str(r["stored"]) for r in rows if r["metric"] == "attacks")

    assert sorted(_stored_values(page)) == expected()
    page.select_option("#filters [name='event_type']", "air_strike")
    _wait_shown(page, _server_count(server, event_type="air_strike"))
    page.wait_for_function("want => [...document.querySelectorAll('#tally .stored-value')].map(t => t.textContent)"
                           ".sort().join() === want", arg=",".join(expected(event_type="air_strike")))
    assert expected(event_type="air_strike") != expected(), "the filter should change what the store counts"
    assert watched.problems() == []


def test_a_narrow_screen_keeps_every_column(server: Server, browser: Any) -> None:
    watched = Watched(browser)
    watched.context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(server.base + "/")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        row = page.locator("#incident-list tbody tr").nth(2)
        row.scroll_into_view_if_needed()
        for name in ("date", "country", "place", "type", "weapon", "status", "hurt", "reports"):
            box = row.locator(f"td.c-{name}").bounding_box()
            assert box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= 390, name
            assert row.locator(f"td.c-{name}").inner_text().strip()
        page.screenshot(path=str(ARTIFACTS / "dashboard-390.png"), full_page=True)
    finally:
        context.close()


def test_the_panel_says_which_source_is_a_copy_and_opens_every_stored_text(server: Server, watched: Watched) -> None:
    page = watched.open(server.base)
    panel = _open_incident(page, _tower(server)["id"])
    copy = panel.locator(".source.copy")
    assert copy.count() == 1 and "A copy" in copy.inner_text() and TOWER_REPORT in copy.inner_text()
    assert "copy of them, not counted" in panel.locator(".facts").inner_text()
    _screenshot(panel, "panel-copy-facts.png")
    copy.scroll_into_view_if_needed()
    _screenshot(panel, "panel-copy.png")
    for link in panel.locator("a.stored-text").all():  # the .txt report's id holds "/": its text still opens
        link.click()
    page.wait_for_function("n => document.querySelectorAll('#panel .report-text pre').length === n",
                           arg=panel.locator("a.stored-text").count())
    assert watched.problems() == []


def test_sources_panel_and_new_incidents_without_a_reload(browser: Any, tmp_path: Path) -> None:
    """The sources osintrack watch follows appear in the header with their errors; a report stored while the
    page is open (as a watcher stores one) shows on the page without a reload."""
    import datetime as dt

    from osintrack.model import Report
    from osintrack.pipeline import ingest_reports
    from osintrack.store import open_engine
    from osintrack.watch import Source
    from osintrack.watch import state as st

    url = _ingest([ROOT / "examples" / "reports"], tmp_path / "live.db")
    engine = open_engine(url)
    feed, index = "https://news.example.org/feed.xml", "https://news.example.org/sitemap_index.xml"
    st.register(engine, [Source(feed, name="Example wire"), Source(index, name="Example sitemaps")])
    now = dt.datetime.now(dt.UTC)
    st.save_poll(engine, [st.SourceState(feed, name="Example wire", kind="rss", last_polled=now, last_success=now,
                                         last_status=200, next_poll=now),
                          st.SourceState(index, name="Example sitemaps", kind="index", last_polled=now,
                                         last_error="no complete answer within 20 s", last_error_at=now,
                                         failures=2, next_poll=now)], [], {})
    with Server(url) as running:
        watched = Watched(browser)
        try:
            page = watched.page
            page.goto(running.base + "/?refresh=1")
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            assert page.text_content("#sources-summary") == "Sources: 2 · 1 failing"
            page.click("#sources-summary")
            rows = page.locator("#sources tbody tr")
            assert rows.count() == 2
            assert "no complete answer within 20 s" in rows.nth(1).text_content()
            _screenshot(page, "dashboard-sources.png")
            total, batch = int(page.get_attribute("#count", "data-total")), page.get_attribute("body", "data-batch")
            text = ("A drone attacked the Al-Tanf garrison in southern Syria on Friday, a US official said. "
                    "No one was hurt.")
            ingest_reports([Report(id="live-report", text=text, published="2024-06-14", lang="en",
                                   url="https://news.example.org/tanf")], url)
            page.wait_for_function("b => document.body.dataset.batch !== b", arg=batch, timeout=15_000)
            assert int(page.get_attribute("#count", "data-total")) == total + 1
            assert page.text_content("#status").startswith("1 new incident")
            assert watched.problems() == []
        finally:
            watched.context.close()
