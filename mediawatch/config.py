"""The typed, frozen configuration: loaded once by the CLI and passed down.

Nothing in mediawatch reads settings from the environment or from globals at import
time; every component receives the part of this object it needs.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from mediawatch.errors import ConfigError
from mediawatch.names import did_you_mean
from mediawatch.names import resolve as resolve_name

CONFIG_FILENAME = "mediawatch.toml"
CONFIG_ENV = "MEDIAWATCH_CONFIG"


def _check_http_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"must be an http(s) URL, got {value!r}")
    if not parts.hostname:
        raise ValueError(f"has no host: {value!r}")
    if any(ch.isspace() for ch in value):
        raise ValueError(f"contains white space: {value!r}")
    return value


def _check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {value!r} (e.g. 'Europe/Moscow')") from exc
    return value


def _check_language(value: str | None) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(r"[a-z]{2}", value):
        raise ValueError(f"must be a two-letter ISO 639-1 code such as 'en' or 'ru', got {value!r}")
    return value


def _check_cron(value: str | None) -> str | None:
    if value is None:
        return None
    from mediawatch.cron import parse_cron  # APScheduler only when a cron is configured

    try:
        parse_cron(value, ZoneInfo("UTC"), where="")
    except ConfigError as exc:
        raise ValueError(f"{str(exc).lstrip(': ')} ({exc.hint})") from exc
    return value


HttpUrl = Annotated[str, AfterValidator(_check_http_url)]
TimeZone = Annotated[str | None, AfterValidator(_check_timezone)]
Language = Annotated[str | None, AfterValidator(_check_language)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WarehouseConfig(_Section):
    path: Path = Path("data/warehouse.duckdb")
    # how long a reader or writer waits for the other side's lock before giving up
    lock_timeout_s: float = Field(default=30.0, gt=0)
    # what one `mediawatch sql` query may use: memory, spill files, time, rows returned
    sql_memory_mb: int = Field(default=1024, ge=64)
    sql_temp_mb: int = Field(default=2048, ge=0)
    sql_time_limit_s: float = Field(default=60.0, gt=0)
    sql_max_rows: int = Field(default=100_000, ge=1)


class CrawlConfig(_Section):
    user_agent: str = "mediawatch/0.1 (+mailto:monitoring@example.org)"
    concurrency: int = Field(default=16, ge=1, le=256)
    per_domain_concurrency: int = Field(default=2, ge=1, le=32)
    download_delay: float = Field(default=1.0, ge=0)
    max_age_days: int = Field(default=7, ge=0)
    max_pages_per_outlet: int = Field(default=500, ge=1)
    obey_robots: bool = True
    timeout_s: float = Field(default=30.0, gt=0)
    retries: int = Field(default=2, ge=0, le=10)
    max_page_bytes: int = Field(default=10 * 1024 * 1024, ge=10_000)
    max_redirects: int = Field(default=5, ge=0, le=20)
    homepage_depth: int = Field(default=2, ge=0, le=5)
    # per outlet, discovery mode and run: what its listings (feeds, sitemaps) may take
    max_sitemap_children: int = Field(default=50, ge=1)
    max_listings: int = Field(default=100, ge=1)
    listing_budget_mb: float = Field(default=100, gt=0)
    listing_budget_s: float = Field(default=300, gt=0)
    autothrottle: bool = True
    # extraction processes; 0 = one per CPU core
    extract_workers: int = Field(default=0, ge=0, le=64)
    extract_timeout_s: float = Field(default=20.0, gt=0)

    @field_validator("user_agent")
    @classmethod
    def _user_agent_has_contact(cls, value: str) -> str:
        if not re.search(r"(mailto:|https?://|@)", value):
            raise ValueError(
                "should name a contact (an e-mail or URL) so that outlets can reach you, "
                "e.g. 'mediawatch (+mailto:you@example.org)'"
            )
        return value


class OutletConfig(_Section):
    name: str = Field(min_length=1)
    homepage: HttpUrl
    feeds: list[HttpUrl] = Field(default_factory=list)
    sitemaps: list[HttpUrl] = Field(default_factory=list)
    language: Language = None
    timezone: TimeZone = None
    allowed_domains: list[str] = Field(default_factory=list)
    # which discovery modes to use; default: the feeds and sitemaps given, else the homepage
    discovery: list[Literal["feeds", "sitemaps", "homepage"]] | None = None
    # section pages to follow from the homepage (besides links found there)
    sections: list[HttpUrl] = Field(default_factory=list)
    max_pages: int | None = Field(default=None, ge=1)
    enabled: bool = True
    # schedule overrides (see [schedule])
    crawl_interval_minutes: int | None = Field(default=None, ge=1)
    crawl_cron: str | None = None

    @field_validator("crawl_cron")
    @classmethod
    def _cron_parses(cls, value: str | None) -> str | None:
        return _check_cron(value)

    @property
    def modes(self) -> tuple[str, ...]:
        """Discovery modes in effect: explicit, or what the outlet's config implies.

        Feeds and sitemaps carry dates, so the age window applies before download; the
        homepage is crawled only for outlets that offer neither (or when asked to).
        """
        if self.discovery is not None:
            return tuple(self.discovery)
        if self.feeds or self.sitemaps:
            return tuple(m for m, on in (("feeds", self.feeds), ("sitemaps", self.sitemaps)) if on)
        return ("feeds", "sitemaps", "homepage")  # autodiscovery of feeds and sitemaps too

    @property
    def domains(self) -> tuple[str, ...]:
        """Hosts the outlet's articles may live on."""
        hosts = [urlsplit(self.homepage).hostname or ""]
        hosts += [urlsplit(u).hostname or "" for u in (*self.feeds, *self.sitemaps)]
        hosts += [d.lower() for d in self.allowed_domains]
        return tuple(dict.fromkeys(h for h in hosts if h))


class TopicConfig(_Section):
    name: str = Field(min_length=1)
    query: str = Field(min_length=1)
    description: str = ""

    @field_validator("name")
    @classmethod
    def _slug_safe(cls, value: str) -> str:
        if not re.fullmatch(r"[\w][\w .-]{0,62}", value):
            raise ValueError("use letters, digits, spaces, '.', '-' or '_' (at most 63 characters)")
        return value

    @field_validator("query")
    @classmethod
    def _query_parses(cls, value: str) -> str:
        from pipeline.query import QueryError, compile_query

        try:
            compile_query(value)
        except QueryError as exc:
            raise ValueError(str(exc)) from exc
        return value


class ScheduleConfig(_Section):
    crawl_interval_minutes: int = Field(default=60, ge=1)
    crawl_cron: str | None = None

    @field_validator("crawl_cron")
    @classmethod
    def _cron_parses(cls, value: str | None) -> str | None:
        return _check_cron(value)

    jitter_seconds: int = Field(default=120, ge=0)
    # poll outlets that keep having nothing new less often, up to max_interval_minutes
    adaptive_polling: bool = True
    max_interval_minutes: int = Field(default=720, ge=1)
    crawl_timeout_minutes: float = Field(default=30, gt=0)
    digest_time: time = time(7, 0)
    timezone: TimeZone = "UTC"
    recrawl_after_days: list[float] = Field(default_factory=lambda: [1.0, 7.0])
    shutdown_grace_s: float = Field(default=30, ge=0)


class SmtpConfig(_Section):
    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    user: str | None = None
    # name of the environment variable holding the password; the password never goes in the file
    password_env: str = "MEDIAWATCH_SMTP_PASSWORD"
    timeout_s: float = 30


class DigestConfig(_Section):
    out_dir: Path = Path("digests")
    recipients: list[str] = Field(default_factory=list)
    sender: str = "mediawatch@localhost"
    smtp: SmtpConfig | None = None
    webhook_url: HttpUrl | None = None
    max_stories: int = Field(default=10, ge=1, le=100)
    chart_days: int = Field(default=30, ge=7, le=365)
    # a scheduled digest that could not be sent is retried after this, then after twice as
    # long each time (at most retry_max_s), until it is sent or the next digest is due
    retry_first_s: float = Field(default=60, ge=0.5)
    retry_max_s: float = Field(default=3600, ge=1)


class DedupConfig(_Section):
    # Jaccard similarity over word shingles above which two texts are copies of one story
    threshold: float = Field(default=0.7, gt=0, lt=1)
    shingle_words: int = Field(default=5, ge=1, le=10)
    num_perm: int = Field(default=128, ge=16, le=512)
    # how far back the in-memory near-duplicate index reaches when rebuilt at start-up
    window_days: int = Field(default=30, ge=1)


class BackfillConfig(_Section):
    """Archives a backfill reads, and how politely (both answer 429 to impatient clients)."""

    ccnews_url: HttpUrl = "https://data.commoncrawl.org/"
    wayback_url: HttpUrl = "https://web.archive.org/"
    requests_per_second: float = Field(default=1.0, gt=0, le=50)
    timeout_s: float = Field(default=60.0, gt=0)
    retries: int = Field(default=4, ge=0, le=10)
    max_captures: int = Field(default=5000, ge=1)
    checkpoint_records: int = Field(default=200, ge=1)

    @field_validator("ccnews_url", "wayback_url")
    @classmethod
    def _ends_with_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"


class DistributedConfig(_Section):
    redis_url: str


class Config(_Section):
    """The whole configuration. ``source`` is the file it came from (paths are relative to it)."""

    warehouse: WarehouseConfig = WarehouseConfig()
    crawl: CrawlConfig = CrawlConfig()
    outlets: list[OutletConfig] = Field(default_factory=list)
    topics: list[TopicConfig] = Field(default_factory=list)
    schedule: ScheduleConfig = ScheduleConfig()
    digest: DigestConfig = DigestConfig()
    dedup: DedupConfig = DedupConfig()
    backfill: BackfillConfig = BackfillConfig()
    distributed: DistributedConfig | None = None
    source: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        groups: tuple[tuple[str, Sequence[OutletConfig | TopicConfig]], ...] = (
            ("outlets", self.outlets),
            ("topics", self.topics),
        )
        for kind, items in groups:
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.name in seen:
                    raise ValueError(f"{kind}[{i}].name: duplicate name {item.name!r}")
                seen.add(item.name)
        return self

    # -- helpers -----------------------------------------------------------
    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    @property
    def warehouse_path(self) -> Path:
        return _resolve(self.base_dir, self.warehouse.path)

    @property
    def digest_dir(self) -> Path:
        return _resolve(self.base_dir, self.digest.out_dir)

    def outlet(self, name: str) -> OutletConfig:
        for outlet in self.outlets:
            if outlet.name == name:
                return outlet
        known = ", ".join(o.name for o in self.outlets) or "none configured"
        raise ConfigError(f"no outlet named {name!r} (known: {known})")

    def topic(self, name: str) -> TopicConfig:
        """By name; case is ignored when it picks one topic (``Chechnya`` finds ``chechnya``)."""
        names = [t.name for t in self.topics]
        found = resolve_name(name, names)
        for topic in self.topics:
            if topic.name == found:
                return topic
        known = ", ".join(names) or "none configured"
        raise ConfigError(f"no topic named {name!r}{did_you_mean(name, names)} (known: {known})")


def _resolve(base: Path, path: Path) -> Path:
    path = path.expanduser()
    return path if path.is_absolute() else base / path


def find_config(explicit: str | os.PathLike[str] | None, env: dict[str, str]) -> Path:
    """``--config`` wins, then ``MEDIAWATCH_CONFIG``, then ``./mediawatch.toml``."""
    if explicit:
        candidate, how = Path(explicit), "--config"
    elif env.get(CONFIG_ENV):
        candidate, how = Path(env[CONFIG_ENV]), CONFIG_ENV
    else:
        candidate, how = Path.cwd() / CONFIG_FILENAME, "the current folder"
    if not candidate.is_file():
        raise ConfigError(
            f"{candidate}: no config file (looked in {how})",
            hint="run 'mediawatch init' to write a starter config, or 'mediawatch demo' to try the offline demo",
        )
    return candidate


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a config file; any problem becomes one ``ConfigError`` line."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from exc
    return parse_config(raw, source=path)


def parse_config(raw: dict, source: Path | None = None) -> Config:
    label = str(source) if source else "<config>"
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{label}: {_describe(exc, raw)}") from None
    return config.model_copy(update={"source": source.resolve() if source else None})


def _describe(exc: ValidationError, raw: dict) -> str:
    """Every problem as 'field.path: reason', one per line when there are several (fixing
    them one run at a time is slow)."""
    problems = list(dict.fromkeys(_problem(e, raw) for e in exc.errors(include_url=False)))
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems:\n" + "\n".join(f"  {p}" for p in problems)


def _problem(error: Mapping[str, Any], raw: dict) -> str:
    loc = _format_loc(error["loc"], raw)
    msg = error["msg"]
    if error["type"] == "extra_forbidden":
        key = str(error["loc"][-1]) if error["loc"] else ""
        close = did_you_mean(key, _keys_at(error["loc"][:-1]))
        msg = "unknown key" + (close or " (check the spelling; see README 'Configuration')")
    elif error["type"] == "missing":
        msg = "required field is missing"
    msg = msg.removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def _keys_at(loc: tuple) -> list[str]:
    """The keys the config accepts at ``loc`` (a table, or an entry of an array of tables)."""
    model: type[BaseModel] = Config
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        inner = _model_in(field.annotation)
        if inner is None:
            return []
        model = inner
    return [name for name in model.model_fields if name != "source"]


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model a field holds: itself, or inside ``list[...]`` or ``... | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _format_loc(loc: tuple, raw: dict) -> str:
    out = ""
    node: object = raw
    for part in loc:
        if isinstance(part, int):
            name = None
            if isinstance(node, list) and part < len(node) and isinstance(node[part], dict):
                name = node[part].get("name")
            out += f"[{part}]" + (f" ({name})" if name else "")
        else:
            out += ("." if out else "") + str(part)
        node = node[part] if isinstance(node, (dict, list)) and _has(node, part) else None
    return out


def _has(node: dict | list, key: object) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(key, int) and 0 <= key < len(node)
