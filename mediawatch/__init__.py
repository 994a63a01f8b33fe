"""mediawatch: media monitoring from scheduled crawls to daily digests.

This package holds the command line and the configuration; the stages live in the
top-level packages ``spiders`` -> ``pipeline`` -> ``warehouse`` -> ``digests``,
driven by ``schedules``.
"""

__version__ = "0.1.0"
