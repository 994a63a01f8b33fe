"""A Slack-compatible JSON summary POSTed to the configured webhook."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlsplit

from digests.data import Digest
from digests.render import Rendered, plural
from digests.safety import is_loopback_host

_MAX_BLOCK_TEXT = 2900  # Slack refuses section text over 3000 characters


def slack_escape(text: str) -> str:
    """Slack mrkdwn: only &, < and > are special (they build links and mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(digest: Digest, rendered: Rendered) -> dict:
    """``{"text": ..., "blocks": ...}``: ``text`` is the fallback for notifications."""
    t = digest.headline.today
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": rendered.subject[:150]}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{plural(t.stories, 'story')}* · *{plural(t.articles, 'article')}*"
                f" · *{plural(t.outlets, 'outlet')}*"
                + (" · :small_red_triangle: *spike*" if digest.spike else "")
                + (
                    "\n:warning: every outlet crawled today failed"
                    if digest.all_outlets_failed
                    else ""
                )
                + ("\nNo coverage of this topic in this period." if digest.no_coverage else ""),
            },
        },
    ]
    for s in digest.stories:
        title = slack_escape(s.title)
        link = f"<{slack_escape(s.url)}|{title.replace('|', '¦')}>" if s.url else title
        carried = f" · also carried by {len(s.also_carried_by)}" if s.also_carried_by else ""
        line = f"{'🆕 ' if s.is_new else ''}{link}\n{slack_escape(s.origin_outlet)}{carried}"
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": line[:_MAX_BLOCK_TEXT]}}
        )
    if digest.troubled_outlets:
        names = ", ".join(slack_escape(o.outlet) for o in digest.troubled_outlets)
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Outlets in trouble: {names}"[:2000]}],
            }
        )
    return {"text": slack_escape(rendered.subject), "blocks": blocks[:50]}


def encode(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def post(url: str, data: bytes, idempotency_key: str = "", timeout_s: float = 30.0) -> int:
    """One attempt; raises on a non-2xx answer or a network error.

    ``Idempotency-Key`` carries the digest's Message-ID, so a receiver that honours it can
    drop the one resend that a crash between sending and recording may cause.
    """
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "mediawatch"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    host = urlsplit(url).hostname or ""
    # loopback (a local relay, the tests) must not go through an environment proxy
    handlers = [urllib.request.ProxyHandler({})] if is_loopback_host(host) else []
    opener = urllib.request.build_opener(*handlers)
    with opener.open(request, timeout=timeout_s) as response:
        return int(response.status)
