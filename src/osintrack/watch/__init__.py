"""osintrack watch: follow news sources by themselves, from feed to incident (docs/watch.md).

``config`` reads sources.yaml; ``http`` fetches politely; ``feeds`` reads RSS, Atom and sitemaps;
``urls`` makes article URLs canonical; ``state`` keeps what was polled in the store; ``poll`` runs the
polls and stores new articles through ``pipeline.ingest_reports``, the path ``osintrack ingest`` takes.
"""

from __future__ import annotations

from .config import HttpSettings, Source, SourcesError, WatchConfig, load_config
from .poll import PollStats, Watcher, watch
from .state import source_report

__all__ = ["HttpSettings", "PollStats", "Source", "SourcesError", "WatchConfig", "Watcher", "load_config",
           "source_report", "watch"]
