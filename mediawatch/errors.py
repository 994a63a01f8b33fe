"""Errors split the way an operator acts on them: fix something (terminal) or wait (transient)."""

from __future__ import annotations


class MediawatchError(Exception):
    """Base class: its message is shown to the user as is, without a traceback."""

    hint: str = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint


class TerminalError(MediawatchError):
    """Retrying will not help: the user must change something (config, query, path)."""


class TransientError(MediawatchError):
    """May succeed later: a lock held by another process, a server that is down."""


class ConfigError(TerminalError):
    """The config file is missing or invalid; the message names the file and the field."""


class WarehouseBusy(TransientError):
    """Another process holds the warehouse file for writing longer than we were willing to wait."""
