"""Metadata parsing for extraction: one module per concern, wired by pipeline.extract."""
