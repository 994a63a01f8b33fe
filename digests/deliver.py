"""Build, render, archive and send one digest, and record every delivery in the warehouse.

A channel already recorded as sent for the topic and day is skipped unless forced;
transient failures are retried with exponential back-off, then recorded as failed.
"""

from __future__ import annotations

import logging
import os
import smtplib
import time
import urllib.error
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from digests import mail, webhook
from digests.archive import write_archive
from digests.data import Digest, build_digest
from digests.render import Rendered, render
from mediawatch.config import Config
from mediawatch.errors import TerminalError
from warehouse.connection import opened, transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    first_delay_s: float = 2.0
    factor: float = 4.0


@dataclass(frozen=True)
class ChannelResult:
    channel: str  # file | smtp | webhook
    status: str  # sent | failed | skipped
    attempts: int = 0
    detail: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    topic: str
    day: date
    files: list[Path]
    channels: list[ChannelResult] = field(default_factory=list)
    digest: Digest | None = None

    @property
    def ok(self) -> bool:
        return all(c.status != "failed" for c in self.channels)

    def result(self, channel: str) -> ChannelResult | None:
        return next((c for c in self.channels if c.channel == channel), None)


def deliver(
    config: Config,
    topic: str,
    day: date,
    send: bool,
    force: bool = False,
    *,
    out_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Always write the files; with ``send``, also mail and POST as configured."""
    env = os.environ if env is None else env
    retry = retry or RetryPolicy()
    digest = build_digest(config, topic, day)
    rendered = render(digest)
    files = write_archive(config, rendered, day, topic, out_dir)
    results = [ChannelResult("file", "sent", 1, str(files[0].parent))]
    if send:
        results += _send_all(config, digest, rendered, force, env, retry, sleep)
    _record(config, topic, day, [r for r in results if r.status != "skipped"])
    return DeliveryReport(topic, day, files, results, digest)


def _send_all(
    config: Config,
    digest: Digest,
    rendered: Rendered,
    force: bool,
    env: Mapping[str, str],
    retry: RetryPolicy,
    sleep: Callable[[float], None],
) -> list[ChannelResult]:
    dc = config.digest
    channels: list[tuple[str, Callable[[], object]]] = []
    if dc.smtp is not None:
        message = mail.build_message(rendered, dc.sender, dc.recipients)
        channels.append(("smtp", lambda: mail.send(dc, message, env)))
    if dc.webhook_url:
        body = webhook.payload(digest, rendered)
        url = dc.webhook_url
        channels.append(("webhook", lambda: webhook.post(url, body)))
    if not channels:
        return [
            ChannelResult(
                "smtp",
                "skipped",
                0,
                "nothing to send with: configure [digest.smtp] and recipients, or webhook_url",
            )
        ]
    done = _already_sent(config, digest.topic, digest.day) if not force else set()
    secrets = [env.get(dc.smtp.password_env, "")] if dc.smtp else []
    results = []
    for name, action in channels:
        if name in done:
            results.append(
                ChannelResult(name, "skipped", 0, "already sent (use --force to resend)")
            )
            continue
        results.append(_attempt(name, action, retry, sleep, secrets))
    return results


def _attempt(
    channel: str,
    action: Callable[[], object],
    retry: RetryPolicy,
    sleep: Callable[[float], None],
    secrets: list[str],
) -> ChannelResult:
    delay = retry.first_delay_s
    for attempt in range(1, retry.attempts + 1):
        try:
            action()
            log.info("digest delivered by %s (attempt %d)", channel, attempt)
            return ChannelResult(channel, "sent", attempt)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, none escapes
            detail = _scrub(f"{type(exc).__name__}: {exc}", secrets)
            transient = _is_transient(exc)
            log.warning("digest %s attempt %d failed: %s", channel, attempt, detail)
            if not transient or attempt == retry.attempts:
                return ChannelResult(channel, "failed", attempt, detail)
            sleep(delay)
            delay *= retry.factor
    raise AssertionError("unreachable")  # pragma: no cover


def _is_transient(exc: Exception) -> bool:
    """Worth another try: network trouble, 4xx SMTP replies, 5xx/429 HTTP answers."""
    if isinstance(exc, TerminalError):
        return False
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500 or exc.code == 429
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return False
    return isinstance(exc, OSError)


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return " ".join(text.split())[:500]


def _already_sent(config: Config, topic: str, day: date) -> set[str]:
    with opened(
        config.warehouse_path, read_only=True, timeout_s=config.warehouse.lock_timeout_s
    ) as con:
        rows = con.execute(
            "SELECT DISTINCT channel FROM digest_deliveries"
            " WHERE topic = ? AND day = ? AND status = 'sent'",
            [topic, day],
        ).fetchall()
    return {r[0] for r in rows}


def _record(config: Config, topic: str, day: date, results: list[ChannelResult]) -> None:
    if not results:
        return
    now = datetime.now(UTC)
    with (
        opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con,
        transaction(con),
    ):
        con.executemany(
            "INSERT INTO digest_deliveries"
            " (topic, day, channel, status, attempts, detail, delivered_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[topic, day, r.channel, r.status, r.attempts, r.detail or None, now] for r in results],
        )
