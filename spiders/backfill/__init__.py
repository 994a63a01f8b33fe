"""Backfill: past coverage read from web archives instead of crawled live."""
