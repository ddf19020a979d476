"""A news site on the loopback for the watch tests: feeds, sitemaps and article pages written for these
tests (each article tells a real incident of 2024 in our own words), served by ``http.server`` in a
thread on 127.0.0.1, with every request logged.

A page can answer with an ETag or a Last-Modified date (and then 304 to a matching conditional
request), gzip-compressed when asked, as a redirect, slowly, with 500 for its first requests, or as an
endless stream of bytes.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

HTML = "text/html; charset=utf-8"


@dataclass
class Page:
    body: bytes = b""
    content_type: str = HTML
    etag: str | None = None
    last_modified: str | None = None  # an HTTP date
    status: int = 200
    location: str | None = None  # a redirect's target
    delay: float = 0.0  # seconds before answering
    failures: int = 0  # answer 500 to this many requests first
    stream: int = 0  # answer this many zero bytes, without Content-Length, instead of ``body``
    before: Callable[[], object] | None = None  # called (once) before the first answer
    coding: str | None = None  # send ``body`` as it is under this Content-Encoding ("identity": none), not gzip


@dataclass
class Hit:
    """One request as the site saw it."""

    path: str
    headers: dict[str, str]
    status: int
    gzipped: bool
    sent: bytes = b""  # the body as sent (compressed where gzipped)

    @property
    def conditional(self) -> bool:
        return "if-none-match" in self.headers or "if-modified-since" in self.headers


@dataclass
class Site:
    """The site, on one port of ``hosts`` loopback addresses (127.0.0.1, 127.0.0.2, ...): to a poller,
    as many hosts, each served one request at a time."""

    hosts: int = 1
    pages: dict[str, Page] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []

    @property
    def base(self) -> str:
        return self.origin(1)

    def origin(self, host: int) -> str:
        return f"http://127.0.0.{host}:{self.port}"

    def url(self, path: str, host: int = 1) -> str:
        return self.origin(host) + path

    def add(self, path: str, page: Page) -> None:
        with self._lock:
            self.pages[path] = page

    def requests(self, path: str | None = None) -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if path is None or hit.path == path]

    def clear(self) -> None:
        with self._lock:
            self.hits.clear()

    def __enter__(self) -> Site:
        for host in range(1, self.hosts + 1):
            server = _Server((f"127.0.0.{host}", self.port), _Handler)
            server.site = self
            self.port = server.server_address[1]
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    # --- the handler's side ---

    def answer(self, path: str, headers: dict[str, str]) -> tuple[Page | None, int]:
        with self._lock:
            page = self.pages.get(path) or self.pages.get(path.split("?")[0])
            if page is None:
                return None, 404
            before, page.before = page.before, None
        if before is not None:
            before()
        with self._lock:
            if page.failures > 0:
                page.failures -= 1
                return page, 500
            if page.etag and headers.get("if-none-match") == page.etag:
                return page, 304
            if page.last_modified and headers.get("if-modified-since") == page.last_modified:
                return page, 304
            return page, page.status

    def log(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: Site

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (timeout, answer too large) is part of the tests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        site = self.server.site
        headers = {k.lower(): v for k, v in self.headers.items()}
        page, status = site.answer(self.path, headers)
        if page is not None and page.delay:
            time.sleep(page.delay)
        if page is not None and page.stream and status == 200:
            site.log(Hit(self.path, headers, status, False))
            self._stream(page.stream)
            return
        body = b"not found" if page is None else b"server error" if status == 500 else page.body
        zipped = (status == 200 and "gzip" in headers.get("accept-encoding", "") and len(body) > 0
                  and (page is None or page.coding is None))
        if zipped:
            body = gzip.compress(body, mtime=0)  # as nginx does: the same page, the same bytes
        site.log(Hit(self.path, headers, status, zipped, body))
        self.send_response(status)
        if page is not None:
            for name, value in (("ETag", page.etag), ("Last-Modified", page.last_modified),
                                ("Location", page.location)):
                if value:
                    self.send_header(name, value)
        if status == 304:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Content-Type", page.content_type if page is not None and status == 200 else "text/plain")
        if zipped:
            self.send_header("Content-Encoding", "gzip")
        elif page is not None and page.coding not in (None, "identity") and status == 200:
            self.send_header("Content-Encoding", page.coding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, size: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"\0" * 65536
        try:
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)
        except OSError:
            pass  # the client stopped reading: what a size limit does
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        pass


# --- documents ---------------------------------------------------------------------------------------

def http_date(day: str) -> str:
    """``YYYY-MM-DD`` at 08:00 UTC as an HTTP date."""
    import datetime as dt

    return format_datetime(dt.datetime.fromisoformat(f"{day}T08:00:00+00:00"), usegmt=True)


def article(title: str, body: str, *, lang: str, published: str | None) -> bytes:
    """A news page: navigation, the article, related links and a footer around it."""
    meta = f'<meta property="article:published_time" content="{published}T08:00:00+00:00">' if published else ""
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>{meta}'
            '</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a>'
            f'</nav></header><main><article><h1>{escape(title)}</h1>{paragraphs}</article>'
            '<aside><h2>More</h2><ul><li><a href="/a">Markets close higher</a></li>'
            '<li><a href="/b">Weather: rain expected</a></li></ul></aside></main>'
            '<footer>Our newsroom. All rights reserved.</footer></body></html>').encode()


def rss(items: list[tuple[str, str, str | None]]) -> bytes:
    """An RSS 2.0 feed of (title, link, YYYY-MM-DD or None)."""
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        + (f"<pubDate>{http_date(day)}</pubDate>" if day else "") + "</item>"
        for title, link, day in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News</title>'
            f'<link>http://127.0.0.1/</link><description>Latest</description>{entries}</channel></rss>').encode()


def atom(items: list[tuple[str, str, str]]) -> bytes:
    """An Atom feed of (title, link, YYYY-MM-DD)."""
    entries = "".join(
        f'<entry><title>{escape(title)}</title><link href="{escape(link)}"/><id>{escape(link)}</id>'
        f"<published>{day}T08:00:00Z</published><updated>{day}T08:00:00Z</updated></entry>"
        for title, link, day in items)
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>'
            f'<id>urn:test:feed</id><updated>2024-02-01T00:00:00Z</updated>{entries}</feed>').encode()


def news_sitemap(items: list[tuple[str, str, str]]) -> bytes:
    """A news sitemap of (link, YYYY-MM-DD, language)."""
    urls = "".join(
        f"<url><loc>{escape(link)}</loc><news:news><news:publication><news:name>Test</news:name>"
        f"<news:language>{lang}</news:language></news:publication>"
        f"<news:publication_date>{day}T08:00:00+00:00</news:publication_date>"
        f"<news:title>Story</news:title></news:news></url>" for link, day, lang in items)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>').encode()


def sitemap_index(links: list[str]) -> bytes:
    maps = "".join(f"<sitemap><loc>{escape(link)}</loc></sitemap>" for link in links)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>').encode()
