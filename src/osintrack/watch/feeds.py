"""What a source lists: RSS 2.0 and Atom feeds through feedparser, sitemaps (``urlset`` with ``news:``
entries, ``sitemapindex``) through lxml with entities and network access switched off.

A document that is neither raises ``FeedError``; a feed that is not well-formed XML is read leniently
(feedparser's own recovery) and the problem is reported with what could be read.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from ..errors import OsintrackError

_SITEMAP_ROOT = re.compile(rb"<(?:[\w-]+:)?(urlset|sitemapindex)\b")
_DAY = re.compile(r"\s*(\d{4}-\d{2}-\d{2})")
_SNIFF = 4096


class FeedError(OsintrackError):
    """A document that is no feed or sitemap osintrack can read."""

    code = "bad_feed"


@dataclass(frozen=True, slots=True)
class Entry:
    """One article a source lists."""

    url: str  # absolute, as listed
    published: str | None = None  # YYYY-MM-DD, the date the source gives
    lang: str | None = None  # a news sitemap's news:language


@dataclass(frozen=True, slots=True)
class Listing:
    kind: str  # rss, atom, sitemap, index
    entries: tuple[Entry, ...] = ()
    children: tuple[str, ...] = ()  # the sitemaps an index lists
    problem: str | None = None  # read leniently: what was wrong with the document


def parse_listing(body: bytes, url: str, content_type: str | None = None, *, max_bytes: int = 50_000_000) -> Listing:
    """The entries of a feed or sitemap fetched from ``url``; relative links are resolved against it."""
    if body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap, served as a file rather than with Content-Encoding
        body = _gunzip(body, max_bytes)
    if _SITEMAP_ROOT.search(body[:_SNIFF]):
        return _sitemap(body, url)
    return _feed(body, url, content_type)


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflate.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise FeedError(f"broken gzip file: {exc}") from exc
    if len(out) > max_bytes:
        raise FeedError(f"the gzip file holds more than {max_bytes} bytes")
    return out


def _feed(body: bytes, url: str, content_type: str | None) -> Listing:
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": url,
                                                      "content-type": content_type or "application/xml"})
    entries = tuple(Entry(urljoin(url, e["link"].strip()), _struct_day(e.get("published_parsed")
                                                                        or e.get("updated_parsed")))
                    for e in parsed.entries if e.get("link"))
    if not parsed.get("version") and not entries:
        what = f" ({content_type.split(';')[0].strip()})" if content_type else ""
        raise FeedError(f"not an RSS or Atom feed, nor a sitemap{what}")
    problem = None
    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if exc is not None and not isinstance(exc, feedparser.ThingsNobodyCaresAboutButMe):
        problem = f"not well-formed XML ({exc}); read leniently: {len(entries)} entries"
    kind = "atom" if str(parsed.get("version", "")).startswith("atom") else "rss"
    return Listing(kind, entries, problem=problem)


def _struct_day(value: time.struct_time | None) -> str | None:
    return None if value is None else f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}"


def _sitemap(body: bytes, url: str) -> Listing:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not well-formed XML: {exc}") from exc
    if etree.QName(root).localname == "sitemapindex":
        children = tuple(urljoin(url, loc) for loc in _texts(root, "sitemap", "loc"))
        return Listing("index", children=tuple(dict.fromkeys(children)))
    entries = []
    for item in _children(root, "url"):
        loc = _first_text(item, "loc")
        if not loc:
            continue
        news = next(_children(item, "news"), None)
        day = _first_text(news, "publication_date") if news is not None else None
        publication = next(_children(news, "publication"), None) if news is not None else None
        lang = _first_text(publication, "language") if publication is not None else None
        entries.append(Entry(urljoin(url, loc), _iso_day(day or _first_text(item, "lastmod")),
                             lang.lower() if lang and re.fullmatch(r"[A-Za-z]{2,3}", lang) else None))
    return Listing("sitemap", tuple(entries))


def _children(node: Any, name: str) -> Iterator[Any]:
    """Child elements named ``name`` in any namespace (sitemaps are often written with a wrong one)."""
    from lxml import etree

    return (child for child in node if isinstance(child.tag, str) and etree.QName(child).localname == name)


def _first_text(node: Any, name: str) -> str | None:
    found = next(_children(node, name), None)
    text = found.text if found is not None else None
    return text.strip() if text and text.strip() else None


def _texts(root: Any, parent: str, name: str) -> list[str]:
    return [text for item in _children(root, parent) if (text := _first_text(item, name))]


def _iso_day(value: str | None) -> str | None:
    match = _DAY.match(value) if value else None
    return match.group(1) if match else None
