"""Turns fetched pages into stored articles: extraction, URL canonicalisation, dedup, topic matching.

The stages run in this order for each page (see `pipeline.ingest`):
``FetchedPage`` -> ``extract`` -> ``Article`` (or ``ExtractionFailure``) -> dedup -> warehouse.
"""
