"""Adding ``[[outlets]]`` entries to the user's config file without touching anything else.

The file is the user's: their comments, order, spacing and quoting stay byte for byte.
Each entry is rendered by tomlkit (correct quoting and escaping) and inserted as text
after the last existing ``[[outlets]]`` entry, or appended at the end of the file. The
result must parse to exactly the old config plus the new entries and must validate as a
whole before it replaces the file (atomically); otherwise nothing is written.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from mediawatch.config import parse_config
from mediawatch.errors import ConfigError

_OUTLETS_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*outlets[ \t]*\]\][ \t]*(#.*)?$")
_TABLE_HEADER = re.compile(r"^[ \t]*\[")


@dataclass(frozen=True)
class NewOutlet:
    """One entry to add: the keys of ``[[outlets]]`` and comment lines to put above them."""

    fields: dict[str, Any]
    comments: tuple[str, ...] = ()


def render(entries: Sequence[NewOutlet]) -> str:
    """The ``[[outlets]]`` tables as TOML text, one blank line before each."""
    out = []
    for entry in entries:
        table = tomlkit.table()
        for line in entry.comments:
            table.add(tomlkit.comment(line.replace("\n", " ")))
        for key, value in entry.fields.items():
            if value is not None and value != []:
                table.add(key, value)
        aot = tomlkit.aot()
        aot.append(table)
        doc = tomlkit.document()
        doc.append("outlets", aot)
        out.append("\n" + tomlkit.dumps(doc).lstrip("\n"))
    return "".join(out)


def insertion_point(text: str) -> int:
    """Where new entries go: after the last ``[[outlets]]`` entry and the comments that
    directly follow it, before a blank line or the next table; else the end of the file."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _OUTLETS_HEADER.match(line)]
    if not starts:
        return len(text)
    end = len(lines)
    for i in range(starts[-1] + 1, len(lines)):
        if _TABLE_HEADER.match(lines[i]):
            end = i
            break
    last = starts[-1]  # last line holding a key, a value or the header itself
    for i in range(starts[-1], end):
        if lines[i].strip() and not lines[i].lstrip().startswith("#"):
            last = i
    stop = last + 1
    while stop < end and lines[stop].lstrip().startswith("#"):
        stop += 1  # comments written right under the entry belong to it
    return sum(len(line) for line in lines[:stop])


def add_outlets(path: Path, entries: Sequence[NewOutlet]) -> str:
    """Insert ``entries`` into the config file at ``path``; returns the new text.

    Raises ``ConfigError`` (and leaves the file as it was) when a name is taken or the
    result would not be a valid config.
    """
    old = path.read_text(encoding="utf-8")
    try:
        before = tomllib.loads(old)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from exc
    taken = {o.get("name") for o in before.get("outlets", []) if isinstance(o, dict)}
    for entry in entries:
        if entry.fields.get("name") in taken:
            raise ConfigError(
                f"{path}: an outlet named {entry.fields['name']!r} is already configured",
                hint="choose another name with --name",
            )
        taken.add(entry.fields.get("name"))
    block = render(entries)
    at = insertion_point(old)
    candidates = [_join(old, at, block)]
    if at != len(old):
        candidates.append(_join(old, len(old), block))
    expected = [_clean(e.fields) for e in entries]
    for new in candidates:
        try:
            after = tomllib.loads(new)
        except tomllib.TOMLDecodeError:
            continue
        if _same_plus(before, after, expected):
            parse_config(after, source=path)  # the whole file validates, or ConfigError
            _write_atomically(path, new)
            return new
    raise ConfigError(
        f"{path}: could not add the outlet(s) without changing what the file already says",
        hint="the file may define outlets as an inline array; add the entry by hand",
    )


def _join(text: str, at: int, block: str) -> str:
    head = text[:at]
    if head and not head.endswith("\n"):
        head += "\n"
    tail = text[at:]
    if tail and not tail.startswith("\n"):
        block += "\n"
    return head + block + tail


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None and v != []}


def _same_plus(before: dict, after: dict, added: list[dict]) -> bool:
    """``after`` is ``before`` with ``added`` appended to its outlets, nothing else."""
    expected = dict(before)
    expected["outlets"] = [*before.get("outlets", []), *added]
    return after == expected


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        mode = path.stat().st_mode & 0o777
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
