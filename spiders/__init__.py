"""Scrapy spiders, one per discovery mode (feeds, sitemaps, homepage), shared by all outlets.

Outlets are data (``[[outlets]]`` in the config); a crawl runs the three spiders one
after the other in a child process (``spiders.runner``), and every downloaded article
page goes to ``pipeline.ingest`` through the item pipeline in ``spiders.pipelines``.
"""
