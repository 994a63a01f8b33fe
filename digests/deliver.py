"""Build, render, archive and send digests through the outbox in the warehouse.

Exactly once, as far as a mail server or webhook allows: the outbox row (with the digest's
stable Message-ID and the exact bytes to send) is committed before the first attempt and
marked sent right after the server accepted it. A crash in between leaves the row pending,
so the next attempt resends the same bytes with the same Message-ID: at most one resend.
A scheduled channel that fails is retried with back-off (``[digest] retry_first_s``,
doubling up to ``retry_max_s``) until it is sent or the next scheduled digest is due; then
it is given up and the next digest says so. ``mediawatch digest --send`` tries a few times
at once (``RetryPolicy``) and reports.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import smtplib
import time
import urllib.error
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from digests import mail, webhook
from digests.archive import write_archive
from digests.data import Digest, build_digest
from digests.render import Rendered, render
from digests.window import Window, day_window
from mediawatch.config import Config
from mediawatch.errors import TerminalError
from warehouse import digests as wh
from warehouse.connection import opened, transaction

log = logging.getLogger(__name__)

MANUAL, SCHEDULED = "manual", "scheduled"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    first_delay_s: float = 2.0
    factor: float = 4.0


@dataclass(frozen=True)
class ChannelResult:
    channel: str  # file | smtp | webhook
    status: str  # sent | failed | skipped | pending (scheduled: will be retried)
    attempts: int = 0
    detail: str = ""
    message_id: str = ""


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


def channels(config: Config) -> list[str]:
    """The channels configured for sending, in the order they are tried."""
    found = []
    if config.digest.smtp is not None:
        found.append("smtp")
    if config.digest.webhook_url:
        found.append("webhook")
    return found


def deliver(
    config: Config,
    topic: str,
    day: date | Window,
    send: bool,
    force: bool = False,
    *,
    out_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """``mediawatch digest``: always write the files; with ``send``, also mail and POST.

    A channel already sent for this topic and period is skipped unless ``force`` (which
    sends a new copy, with a new Message-ID).
    """
    env = os.environ if env is None else env
    retry = retry or RetryPolicy()
    window = day if isinstance(day, Window) else day_window(day, config.schedule.timezone or "UTC")
    digest = build_digest(config, topic, window)
    rendered = render(digest)
    if not send:
        files = write_archive(config, rendered, window.day, topic, out_dir)
        return DeliveryReport(topic, window.day, files, [], digest)
    wanted = channels(config)
    if not wanted:
        files = write_archive(config, rendered, window.day, topic, out_dir)
        note = "nothing to send with: configure [digest.smtp] and recipients, or webhook_url"
        return DeliveryReport(
            topic, window.day, files, [ChannelResult("smtp", "skipped", 0, note)], digest
        )
    now = datetime.now(UTC)
    with _writing(config) as con:
        done = set() if force else wh.sent_channels(con, topic, MANUAL, (window.start, window.end))
        copy = wh.copies(con, topic, MANUAL, window.end)
        todo = [c for c in wanted if c not in done]
        items, eml, _ = _payloads(config, digest, rendered, MANUAL, window, copy, todo)
        files = write_archive(config, rendered, window.day, topic, out_dir, eml=eml)
        with transaction(con):
            ids = wh.enqueue(
                con, topic=topic, kind=MANUAL, day=window.day, window=(window.start, window.end),
                cutoff=digest.cutoff or now, now=now, items=items,
            )  # fmt: skip
        rows = wh.rows_for(con, ids)
    results = [
        ChannelResult(c, "skipped", 0, "already sent (use --force to resend)")
        for c in wanted
        if c in done
    ]
    for row in rows:
        results.append(_send_now(config, row, env, retry, sleep))
    results.sort(key=lambda r: wanted.index(r.channel))
    return DeliveryReport(topic, window.day, files, results, digest)


def enqueue_scheduled(config: Config, topic: str, window: Window, now: datetime) -> DeliveryReport:
    """Build the scheduled digest of ``window`` and record the intent to send it.

    Pending digests of earlier windows are given up first (the next digest is due), so
    that this one can report them. Nothing is sent here: ``flush`` does it.
    """
    with _writing(config) as con, transaction(con):
        wh.give_up_before(con, SCHEDULED, topic, window.end, now)
    digest = build_digest(config, topic, window, cutoff=now)
    rendered = render(digest)
    wanted = channels(config)
    items, eml, msgid = _payloads(
        config, digest, rendered, SCHEDULED, digest.window or window, 0, wanted
    )
    files = write_archive(config, rendered, window.day, topic, eml=eml)
    items.append(("file", msgid, None, "sent"))
    span = digest.window or window
    with _writing(config) as con, transaction(con):
        wh.enqueue(
            con, topic=topic, kind=SCHEDULED, day=window.day, window=(span.start, span.end),
            cutoff=now, now=now, items=items,
        )  # fmt: skip
    return DeliveryReport(topic, window.day, files, [], digest)


def flush(
    config: Config, now: datetime, env: Mapping[str, str] | None = None
) -> list[ChannelResult]:
    """One attempt for every pending scheduled row whose time has come; failures back off."""
    env = os.environ if env is None else env
    with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
        due = wh.pending(con, now)
    results = []
    for row in due:
        result = _attempt_once(config, row, env)
        with _writing(config) as con, transaction(con):
            if result.status == "sent":
                wh.mark_sent(con, row.id, datetime.now(UTC))
            elif result.status == "failed":
                wh.mark_failed(con, row.id, now, result.detail)
            else:
                wait = backoff(config, row.attempts + 1)
                wh.mark_retry(con, row.id, now + wait, result.detail)
        results.append(result)
    return results


def backoff(config: Config, attempts: int) -> timedelta:
    """retry_first_s, doubling with every failed attempt, at most retry_max_s."""
    dc = config.digest
    return timedelta(seconds=min(dc.retry_max_s, dc.retry_first_s * 2 ** max(0, attempts - 1)))


def _writing(config: Config) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    return opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s)


def _payloads(
    config: Config,
    digest: Digest,
    rendered: Rendered,
    kind: str,
    window: Window,
    copy: int,
    wanted: list[str],
) -> tuple[list[tuple[str, str, bytes | None, str]], bytes, str]:
    """(channel, Message-ID, bytes, 'pending') per channel, the .eml for the archive, the ID."""
    dc = config.digest
    msgid = mail.message_id(rendered.slug, kind, window.end, copy, dc.sender)
    message = mail.build_message(rendered, dc.sender, dc.recipients, msgid)
    eml = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))  # SMTP wants CRLF
    items: list[tuple[str, str, bytes | None, str]] = []
    for channel in wanted:
        if channel == "smtp":
            items.append(("smtp", msgid, eml, "pending"))
        elif channel == "webhook":
            body = webhook.encode(webhook.payload(digest, rendered))
            items.append(("webhook", msgid, body, "pending"))
    return items, eml, msgid


def _action(config: Config, row: wh.OutboxRow, env: Mapping[str, str]) -> Callable[[], object]:
    dc = config.digest
    payload = row.payload or b""
    if row.channel == "smtp":
        return lambda: mail.send(dc, payload, env)
    if row.channel == "webhook":
        if not dc.webhook_url:
            raise TerminalError("webhook_url is no longer configured")
        url = dc.webhook_url
        return lambda: webhook.post(url, payload, idempotency_key=row.message_id)
    raise TerminalError(f"unknown channel {row.channel!r}")


def _attempt_once(config: Config, row: wh.OutboxRow, env: Mapping[str, str]) -> ChannelResult:
    """status 'sent', 'pending' (transient failure: retry later) or 'failed' (do not retry)."""
    with _writing(config) as con, transaction(con):
        wh.mark_attempt(con, row.id, datetime.now(UTC))
    attempts = row.attempts + 1
    try:
        _action(config, row, env)()
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none escapes
        detail = _scrub(f"{type(exc).__name__}: {exc}", _secrets(config, env))
        log.warning(
            "digest %s by %s, attempt %d failed: %s", row.topic, row.channel, attempts, detail
        )
        status = "pending" if _is_transient(exc) else "failed"
        return ChannelResult(row.channel, status, attempts, detail, row.message_id)
    log.info("digest %s delivered by %s (attempt %d)", row.topic, row.channel, attempts)
    return ChannelResult(row.channel, "sent", attempts, "", row.message_id)


def _send_now(
    config: Config,
    row: wh.OutboxRow,
    env: Mapping[str, str],
    retry: RetryPolicy,
    sleep: Callable[[float], None],
) -> ChannelResult:
    """The manual path: up to ``retry.attempts`` attempts now, each recorded."""
    delay = retry.first_delay_s
    for attempt in range(1, retry.attempts + 1):
        result = _attempt_once(config, row, env)
        if result.status == "sent" or result.status == "failed" or attempt == retry.attempts:
            final = "sent" if result.status == "sent" else "failed"
            with _writing(config) as con, transaction(con):
                if final == "sent":
                    wh.mark_sent(con, row.id, datetime.now(UTC))
                else:
                    wh.mark_failed(con, row.id, datetime.now(UTC), result.detail)
            return ChannelResult(row.channel, final, attempt, result.detail, row.message_id)
        row = dataclasses.replace(row, attempts=row.attempts + 1)
        sleep(delay)
        delay *= retry.factor
    raise AssertionError("unreachable")  # pragma: no cover


def _secrets(config: Config, env: Mapping[str, str]) -> list[str]:
    smtp = config.digest.smtp
    return [env.get(smtp.password_env, "")] if smtp else []


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
