"""The offline demo newsroom: fake outlets on loopback, with ground truth for tests.

``build_newsroom()`` generates outlets and articles deterministically; ``serve()`` puts
each outlet on its own loopback address. Used by ``mediawatch demo``, the test suite and
the benchmarks.
"""

from mediawatch.newsroom.generator import (
    ArticleRecord,
    Newsroom,
    OutletSpec,
    WireStory,
    build_newsroom,
)
from mediawatch.newsroom.server import LogEntry, NewsroomServer, RequestLog, serve

__all__ = [
    "ArticleRecord",
    "LogEntry",
    "Newsroom",
    "NewsroomServer",
    "OutletSpec",
    "RequestLog",
    "WireStory",
    "build_newsroom",
    "serve",
]
