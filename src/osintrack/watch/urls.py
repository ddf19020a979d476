"""Canonical article URLs: one story found under ``?utm_source=rss`` and without it is one article."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that say how a reader came, never which page: campaign tags of analytics tools and the
# click ids of ad networks. A parameter not listed is kept, since it may choose the article (?id=123).
TRACKING = re.compile(
    r"^(?:utm_|mtm_|pk_|at_|mc_|ns_|_hs|oly_|vero_)"
    r"|^(?:fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|igshid|twclid|ttclid|li_fat_id|_ga|_gl|ocid|xtor|"
    r"cmpid|icid|smid|ito|ref_src|mkt_tok|wt\.mc_id|s_cid)$",
    re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """``url`` with its scheme and host in lower case, no default port, no fragment, no tracking
    parameters, and the other query parameters sorted."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.search(k))
    return urlunsplit((scheme, _netloc(parts, scheme), parts.path or "/", urlencode(query, quote_via=quote), ""))


def _netloc(parts: SplitResult, scheme: str) -> str:
    """The host in lower case, with its port unless it is the scheme's default."""
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port
    return host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"


def report_id(canonical: str) -> str:
    """The id of the report stored from the article at ``canonical``: stable, short and path-safe."""
    return "web-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: whom politeness and robots.txt are about."""
    parts = urlsplit(url.strip())  # not the whole canonical URL: this is asked at every request
    scheme = parts.scheme.lower()
    return f"{scheme}://{_netloc(parts, scheme)}"
