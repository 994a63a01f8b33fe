"""Distributed crawling: many Scrapy workers sharing one crawl through Redis (scrapy-redis).

Only used when the config has ``[distributed] redis_url``. The scheduler calls
``enqueue_discovery``; ``mediawatch worker`` processes crawl and extract; one
``mediawatch load`` drains the extracted articles into the warehouse. Importing this
package does not import Scrapy (the scheduler and the loader do not need it).
"""

from pipeline.queue_keys import Keys, connect, seed_seen, url_fingerprint
from spiders.distributed.enqueue import DiscoveryRound, enqueue_discovery, queue_status

__all__ = [
    "DiscoveryRound",
    "Keys",
    "connect",
    "enqueue_discovery",
    "queue_status",
    "seed_seen",
    "url_fingerprint",
]
