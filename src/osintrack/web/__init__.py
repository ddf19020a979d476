"""The HTTP API and the map-and-timeline dashboard (``osintrack serve``); see docs/serve.md."""

from __future__ import annotations

from .app import STATIC, VENDOR, create_app

__all__ = ["STATIC", "VENDOR", "create_app"]
