"""The digest as a MIME message, and sending it over SMTP.

The password is read from the environment at send time, used for LOGIN and nowhere
else: it is never part of the message, a log line or an error detail.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import cast

from digests.render import Rendered
from digests.safety import is_loopback_host
from mediawatch.config import DigestConfig, SmtpConfig
from mediawatch.errors import TerminalError


def message_id(slug: str, kind: str, window_end: datetime, copy: int, sender: str) -> str:
    """Stable for one digest: the same topic, kind and window (and copy, for forced resends)
    always give the same Message-ID, so a resend after a crash can be recognised."""
    stamp = window_end.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = f".{copy}" if copy else ""
    return f"<mediawatch.{slug}.{kind}.{stamp}{suffix}@{_domain(sender)}>"


def build_message(
    rendered: Rendered, sender: str, recipients: Sequence[str], msgid: str | None = None
) -> EmailMessage:
    """multipart/alternative: text, then multipart/related (HTML + the chart as cid:)."""
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients) if recipients else "undisclosed-recipients:;"
    msg["Date"] = format_datetime(datetime.now(UTC))
    # an explicit domain: make_msgid() would otherwise resolve the host name
    msg["Message-ID"] = msgid or make_msgid(idstring=rendered.slug, domain=_domain(sender))
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    html_part = cast("list[EmailMessage]", msg.get_payload())[1]  # text, then html
    html_part.add_related(
        rendered.chart_png,
        maintype="image",
        subtype="png",
        cid=f"<{rendered.chart_cid}>",
        filename=f"{rendered.slug}.png",
        disposition="inline",
    )
    return msg


def _domain(address: str) -> str:
    domain = address.rpartition("@")[2].strip(" >")
    return domain or "localhost"


def password_from(smtp: SmtpConfig, env: Mapping[str, str]) -> str | None:
    if not smtp.user:
        return None
    password = env.get(smtp.password_env)
    if not password:
        raise TerminalError(
            f"SMTP user {smtp.user!r} is set but ${smtp.password_env} is empty",
            hint=f"export {smtp.password_env}=... (the password is never read from the config file)",
        )
    return password


def send(digest_config: DigestConfig, message: bytes, env: Mapping[str, str]) -> None:
    """One attempt with the message's exact bytes; raises on any failure (the caller retries
    and records). Once the server has accepted the message, a failing QUIT is no failure."""
    smtp = digest_config.smtp
    if smtp is None:
        raise TerminalError("no [digest.smtp] section in the config")
    if not digest_config.recipients:
        raise TerminalError("no [digest] recipients configured")
    password = password_from(smtp, env)
    if password and smtp.security == "none" and not is_loopback_host(smtp.host):
        raise TerminalError(
            f"refusing to send the SMTP password to {smtp.host} without TLS",
            hint="set [digest.smtp] security = 'starttls' or 'tls'",
        )
    context = ssl.create_default_context()
    local = socket.gethostname() or "localhost"
    client: smtplib.SMTP
    if smtp.security == "tls":
        client = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=smtp.timeout_s, context=context, local_hostname=local
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s, local_hostname=local)
    try:
        client.ehlo()
        if smtp.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if smtp.user and password:
            client.login(smtp.user, password)
        client.sendmail(digest_config.sender, list(digest_config.recipients), message)
    except BaseException:
        client.close()
        raise
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
