"""The crawler's contact: a user agent still naming a placeholder address is worth a warning.

The starter config ships ``monitoring@example.org`` so that it validates; crawling real
outlets with it means nobody can be reached when an outlet has a question, so the usual
answer is a block. Loopback outlets (the demo, tests) are nobody else's: no warning.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from mediawatch.config import Config

# RFC 2606 / 6761 names reserved for documentation: nobody reads mail sent there
_PLACEHOLDER = re.compile(
    r"(?<![\w-])example\.(?:org|com|net)(?![\w-])|\.(?:example|invalid|test)(?![\w.-])", re.I
)


def placeholder_contact(user_agent: str) -> str | None:
    """The placeholder domain the user agent names, if any."""
    found = _PLACEHOLDER.search(user_agent)
    return found.group(0).lstrip(".") if found else None


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def contact_warning(config: Config, outlets: list[str] | None = None) -> str | None:
    """A one-line warning when outlets beyond this machine would see a placeholder contact."""
    placeholder = placeholder_contact(config.crawl.user_agent)
    if placeholder is None:
        return None
    chosen = [o for o in config.outlets if (o.name in outlets if outlets else o.enabled)]
    if all(_loopback(o.homepage) for o in chosen):
        return None
    return (
        f"warning: [crawl] user_agent names the placeholder contact {placeholder!r}"
        f" ({config.crawl.user_agent}); outlets cannot reach you and may block the crawler."
        " Put your own e-mail or URL there."
    )
