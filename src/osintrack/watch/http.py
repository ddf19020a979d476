"""Polite HTTP over httpcore (httpx's transport, used directly: httpx's client around it cost a quarter of
the CPU of a request): one request at a time per host with a minimum delay between them, robots.txt
honoured (RFC 9309), conditional requests, gzip (the compressed body kept as it came, for the store),
redirects followed one hop at a time (each hop is checked against its own host's robots.txt and
politeness), a deadline for the whole request, a cap on the size of an answer, and retries with
exponential backoff and jitter after timeouts, lost connections, 429 and 5xx answers.

Every coroutine here runs on one event loop, in a thread of its own (``EventLoop``); nothing here
touches the store.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import random
import ssl
import threading
import time
import urllib.robotparser
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urljoin

import certifi
import httpcore

from .config import HttpSettings
from .urls import origin

ROBOTS_TTL = dt.timedelta(hours=24)  # RFC 9309: a cached robots.txt is used for a day at most
MAX_CRAWL_DELAY = 60.0  # seconds: a longer Crawl-delay would stop a source altogether
MAX_REDIRECTS = 5
MAX_RETRY_WAIT = 300.0  # seconds: a longer Retry-After is a failure, tried again at a later poll
_GZIP = ("gzip", "x-gzip")  # the one content coding asked for: what zlib decodes and the store keeps as it came
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TRANSIENT = frozenset({429, 500, 502, 503, 504})
_AGENT_TOKEN = "osintrack"  # the product token robots.txt groups are matched against
T = TypeVar("T")


@dataclass(slots=True)
class Answer:
    """What one GET ended with: a status and body, or an error (no answer, or one refused)."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    gzipped: bytes | None = None  # the body as received where it came gzip-compressed: stored without compressing again
    error: str | None = None
    disallowed: bool = False  # robots.txt said no: nothing was asked

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass(frozen=True, slots=True)
class Robots:
    """A host's robots.txt as fetched: its status (None: no answer) and text."""

    status: int | None
    text: str | None
    fetched_at: dt.datetime

    def rules(self) -> urllib.robotparser.RobotFileParser:
        parser = urllib.robotparser.RobotFileParser()
        if self.status is not None and 200 <= self.status < 300:
            parser.parse((self.text or "").splitlines())
        elif self.status is not None and 300 <= self.status < 500:
            parser.parse([])  # "unavailable" (4xx, or redirected too often): no rules
        else:  # "unreachable" (5xx, no answer): assume everything is disallowed
            parser.parse(["User-agent: *", "Disallow: /"])
        return parser

    def fresh(self, now: dt.datetime) -> bool:
        # a server error is asked again at the next poll; rules and "no rules" keep for a day
        return self.status is not None and self.status < 500 and now - self.fetched_at < ROBOTS_TTL


class _Host:
    """One host's turn: a lock, the earliest time of its next request and the delay between two."""

    def __init__(self, delay: float) -> None:
        self.lock = asyncio.Lock()
        self.robots_lock = asyncio.Lock()
        self.next_at = 0.0
        self.delay = delay
        self.robots: urllib.robotparser.RobotFileParser | None = None


class Client:
    """GETs that keep the rules above. ``robots`` holds the robots.txt already known (from the store);
    those fetched by this client are added to it and listed in ``fetched_robots``."""

    def __init__(self, settings: HttpSettings, robots: dict[str, Robots] | None = None) -> None:
        self.settings = settings
        self.robots = dict(robots or {})
        self.fetched_robots: dict[str, Robots] = {}
        self.sent = 0  # requests sent, robots.txt, retries and redirects included
        self._hosts: dict[str, _Host] = {}
        self._slots = asyncio.Semaphore(settings.connections)
        # A pool of one connection per host, the host asked last at the end: a host is asked one request at
        # a time, and a pool shared by all hosts checks every connection it holds at each request.
        self._pools: OrderedDict[str, httpcore.AsyncConnectionPool] = OrderedDict()
        self._tls = ssl.create_default_context(cafile=certifi.where())  # one for all hosts: each costs 20 ms
        self._agent = settings.user_agent.encode()

    async def close(self) -> None:
        while self._pools:  # one at a time: a request cancelled meanwhile may still take its host's turn
            _, pool = self._pools.popitem(last=False)
            await pool.aclose()

    async def _pool(self, key: str) -> httpcore.AsyncConnectionPool:
        """The host's connection; the connections of hosts not asked lately beyond ``connections`` are closed."""
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = httpcore.AsyncConnectionPool(ssl_context=self._tls, max_connections=1,
                                                                   max_keepalive_connections=1)
        self._pools.move_to_end(key)
        if len(self._pools) > self.settings.connections:
            idle = [other for other, host in ((k, self._hosts.get(k)) for k in self._pools)
                    if other != key and (host is None or not host.lock.locked())]
            for other in idle[:len(self._pools) - self.settings.connections]:
                await self._pools.pop(other).aclose()
        return pool

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                  accept: str = "*/*") -> Answer:
        """GET ``url``, following redirects; ``etag`` and ``last_modified`` make it conditional."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        answer = Answer(url=url, final_url=url)
        for _ in range(MAX_REDIRECTS + 1):
            host = await self._host(origin(answer.final_url))
            assert host.robots is not None
            if not host.robots.can_fetch(_AGENT_TOKEN, answer.final_url):
                answer.error = f"robots.txt of {origin(answer.final_url)} disallows {answer.final_url}"
                answer.disallowed = True
                return answer
            async with self._turn(host):
                sent = await self._with_retries(answer.final_url, headers)
            sent.url = url
            answer = sent
            location = answer.headers.get("location")
            if answer.status not in _REDIRECTS or answer.error is not None or not location:
                return answer
            answer.final_url = urljoin(answer.final_url, location.strip())
        answer.error = f"more than {MAX_REDIRECTS} redirects"
        return answer

    # --- one host at a time ---------------------------------------------------------------------

    async def _host(self, key: str) -> _Host:
        """The host's turn-keeper, with its robots.txt read (fetched in its turn when not known)."""
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(self.settings.delay)
        if host.robots is None:
            async with host.robots_lock:
                if host.robots is None:  # another request may have read it while this one waited
                    known = self.robots.get(key)
                    if known is None or not known.fresh(dt.datetime.now(dt.UTC)):
                        async with self._turn(host):
                            known = self.robots[key] = self.fetched_robots[key] = await self._fetch_robots(key)
                    self._read_robots(host, known)
        return host

    async def _fetch_robots(self, key: str) -> Robots:
        url = key + "/robots.txt"
        answer = Answer(url=url, final_url=url)
        for _ in range(MAX_REDIRECTS + 1):  # RFC 9309: follow at least five redirects
            answer = await self._send(answer.final_url, {"Accept": "text/plain"})
            if answer.status not in _REDIRECTS or "location" not in answer.headers:
                break
            answer.final_url = urljoin(answer.final_url, answer.headers["location"].strip())
        text = answer.body.decode("utf-8", errors="replace") if answer.ok else None
        return Robots(answer.status if answer.error is None else None, text, dt.datetime.now(dt.UTC))

    def _read_robots(self, host: _Host, robots: Robots) -> None:
        host.robots = robots.rules()
        asked = host.robots.crawl_delay(_AGENT_TOKEN)
        if asked is not None:
            host.delay = max(host.delay, min(float(asked), MAX_CRAWL_DELAY))

    @asynccontextmanager
    async def _turn(self, host: _Host) -> AsyncIterator[None]:
        """Hold the host (no other request to it meanwhile) from its next allowed time until the
        request is answered; the next one waits ``delay`` after that."""
        async with host.lock:
            wait = host.next_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                host.next_at = time.monotonic() + host.delay

    # --- one request ----------------------------------------------------------------------------

    async def _with_retries(self, url: str, headers: Mapping[str, str]) -> Answer:
        """``_send``, again after a transient failure, waiting ``backoff`` x 2^n (or Retry-After) with
        jitter; the host stays held meanwhile, so that a struggling server is not asked anything else."""
        attempt = 0
        while True:
            answer = await self._send(url, headers)
            if not _transient(answer) or attempt >= self.settings.retries:
                return answer
            wait = _retry_after(answer.headers) or self.settings.backoff * 2 ** attempt
            if wait > MAX_RETRY_WAIT:
                return answer
            await asyncio.sleep(wait * random.uniform(0.5, 1.5))  # jitter: retries of many clients spread out
            attempt += 1

    async def _send(self, url: str, headers: Mapping[str, str]) -> Answer:
        """One GET, on its host's connection, its body read up to ``max_bytes`` (after decompression) within
        ``timeout`` seconds."""
        limit, answer = self.settings.max_bytes, Answer(url=url, final_url=url)
        self.sent += 1
        pool = await self._pool(origin(url))
        sent = [(b"User-Agent", self._agent), (b"Accept-Encoding", b"gzip"),
                *((k.encode(), v.encode()) for k, v in headers.items())]
        try:
            async with asyncio.timeout(self.settings.timeout), self._slots, \
                    pool.stream("GET", url, headers=sent) as response:
                answer.status, answer.headers = response.status, _headers(response.headers)
                declared = answer.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    answer.error = f"the answer is {int(declared):,} bytes long, over the limit of {limit:,}"
                    return answer
                encoding = answer.headers.get("content-encoding", "identity").strip().lower()
                if encoding not in (*_GZIP, "identity"):
                    answer.error = f"the answer is in the content coding {encoding!r}, which was not asked for"
                    return answer
                decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding in _GZIP else None
                chunks, received, size = [], [], 0
                async for raw in response.aiter_stream():
                    chunk = decoder.decompress(raw) if decoder else raw
                    size += len(chunk)
                    if size > limit:
                        answer.error = f"the answer is over the limit of {limit:,} bytes"
                        return answer
                    chunks.append(chunk)
                    if decoder is not None:
                        received.append(raw)
                answer.body = b"".join(chunks)
                if decoder is not None and decoder.eof and not decoder.unused_data:  # one whole gzip member
                    answer.gzipped = b"".join(received)
        except TimeoutError:
            answer.status, answer.error = None, f"no complete answer within {self.settings.timeout:g} s"
        except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError,
                httpcore.UnsupportedProtocol, zlib.error) as exc:
            answer.status, answer.error = None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return answer


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in raw:
        name, text = key.decode("latin-1").lower(), value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out else text
    return out


def _transient(answer: Answer) -> bool:
    if answer.error is not None:
        return answer.status is None  # no answer at all; an answer refused for its size stays refused
    return answer.status in _TRANSIENT


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds()) if when.tzinfo else None


class EventLoop:
    """An asyncio loop in a thread of its own, for the ``Client``; the poller (synchronous) hands it coroutines."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="osintrack-watch-http", daemon=True)
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.submit(coro).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()
