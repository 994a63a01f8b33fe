"""Ready lists of outlets (collections), shipped as data: one TOML file per collection.

Each entry says where it came from (``source``) and when (``retrieved``), so that a user
can judge and refresh it; ``README.md`` in this folder names the sources and their
licences. A collection can also be a user's own file (any path ending in ``.toml``).
"""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mediawatch.config import HttpUrl, Language, OutletConfig, TimeZone
from mediawatch.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CollectionInfo(_Strict):
    code: str = Field(pattern=r"^[a-z0-9_-]{1,32}$")
    title: str
    countries: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    timezone: TimeZone = None  # default for entries that name none


class CollectionEntry(_Strict):
    name: str = Field(min_length=1)
    homepage: HttpUrl
    language: Language = None
    timezone: TimeZone = None
    feeds: list[HttpUrl] = Field(default_factory=list)
    sitemaps: list[HttpUrl] = Field(default_factory=list)  # whole-site (archive) sitemaps
    news_sitemaps: list[HttpUrl] = Field(default_factory=list)  # recent articles only
    source: str = Field(min_length=1)
    retrieved: date
    note: str | None = None


class Collection(_Strict):
    collection: CollectionInfo
    outlets: list[CollectionEntry]

    @property
    def code(self) -> str:
        return self.collection.code

    def outlet_fields(self, entry: CollectionEntry) -> dict:
        """The entry as ``[[outlets]]`` keys.

        Feeds and news sitemaps list recent articles, which is what monitoring needs; a
        whole-site sitemap is used only when an outlet offers neither.
        """
        sitemaps = entry.news_sitemaps or ([] if entry.feeds else entry.sitemaps)
        return {
            "name": entry.name,
            "homepage": entry.homepage,
            "feeds": list(entry.feeds),
            "sitemaps": list(sitemaps),
            "language": entry.language,
            "timezone": entry.timezone or self.collection.timezone,
        }

    def outlet_configs(self) -> list[OutletConfig]:
        return [OutletConfig.model_validate(self.outlet_fields(e)) for e in self.outlets]


def builtin_codes() -> list[str]:
    folder = resources.files(__name__)
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_collection(spec: str) -> Collection:
    """A built-in collection by code (``ru``), or a collection file by path."""
    if spec.endswith(".toml") or "/" in spec:
        path = Path(spec)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{spec}: cannot read the collection file ({exc.strerror})") from exc
        label = str(path)
    else:
        codes = builtin_codes()
        if spec not in codes:
            raise ConfigError(
                f"no collection {spec!r} (known: {', '.join(codes)})",
                hint="'mediawatch outlets collections' lists them; a path to a .toml file also works",
            )
        text = resources.files(__name__).joinpath(f"{spec}.toml").read_text(encoding="utf-8")
        label = f"collection {spec}"
    try:
        collection = Collection.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: TOML syntax error: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{label}: {where}: {first['msg']}") from None
    names = [e.name for e in collection.outlets]
    if len(set(names)) != len(names):
        raise ConfigError(f"{label}: an outlet name appears twice")
    return collection


def load_collections(specs: str) -> list[Collection]:
    """``"gb,us"`` → both collections, in order."""
    parts = [s.strip() for s in specs.split(",") if s.strip()]
    if not parts:
        raise ConfigError("no collection named", hint="e.g. --collection ru or --collection gb,us")
    return [load_collection(p) for p in parts]
