"""What the Redis tests need: the client libraries and a ``redis-server`` to start on loopback.

``.ci/run`` installs all three, so in CI these tests always run; on a laptop without
``redis-server`` they are skipped with the command that installs it.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import redis
else:
    redis = pytest.importorskip("redis", reason="pip install redis scrapy-redis")
pytest.importorskip("scrapy_redis", reason="pip install scrapy-redis")

needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server not installed (apt-get install -y redis-server)",
)

__all__ = ["needs_redis_server", "redis"]
