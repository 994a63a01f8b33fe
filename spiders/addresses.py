"""Which network addresses a crawl may connect to (SSRF protection).

Feed items, sitemap entries, links and redirects come from servers we do not control
and may point at loopback, private or link-local addresses inside the user's network.
Only public addresses are allowed, plus the exact hosts the config itself names.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(host: str) -> IPAddress | None:
    """An IP address written in any form browsers accept (dotted, decimal, hex, octal, IPv6).

    Returns None for a host name.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host.isdigit():  # decimal form: http://2130706433/
        value = int(host)
        return ipaddress.IPv4Address(value) if value < 2**32 else None
    try:  # shorthand, hex and octal forms: 127.1, 0x7f.0.0.1, 0177.0.0.1
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def classify(ip: IPAddress) -> str:
    """'public', or why not: loopback, private, link-local, multicast, reserved, unspecified."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return classify(mapped)
        if ip.teredo:
            return classify(ip.teredo[1])
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_private or (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED):
        return "private"
    if ip.is_reserved or not ip.is_global:
        return "reserved"
    return "public"


_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT


def default_port(scheme: str) -> int:
    return 443 if scheme.lower() == "https" else 80


def endpoint(url: str) -> tuple[str, int] | None:
    """(host, port) of an http(s) URL, with the scheme's default port filled in."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host:
        return None
    return host, port or default_port(parts.scheme)


def configured_endpoints(urls: Iterable[str], domains: Iterable[str] = ()) -> frozenset[str]:
    """``host:port`` pairs a config names: its URLs exactly, extra domains on ports 80/443.

    An outlet placed on a private address opens that address *and port* only, not every
    service listening on the same machine.
    """
    out = set()
    for url in urls:
        found = endpoint(url)
        if found:
            out.add(f"{found[0]}:{found[1]}")
    for domain in domains:
        out.update({f"{domain.lower()}:80", f"{domain.lower()}:443"})
    return frozenset(out)


def refuse_reason(
    url: str, allowed: frozenset[str], resolved: IPAddress | None = None
) -> str | None:
    """Why a URL must not be fetched, or None when it may be.

    ``allowed`` holds the hosts (``host``) or endpoints (``host:port``) the config names
    (an outlet on loopback is the user's own decision); ``resolved`` is the address a
    host name resolved to.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return f"scheme {parts.scheme or '(none)'!r} is not allowed"
    found = endpoint(url)
    if found is None:
        return "no host or a malformed port"
    host, port = found
    if host in allowed or f"{host}:{port}" in allowed:
        return None
    ip = parse_ip(host) or resolved
    if ip is None:
        return None  # a name not yet resolved: the caller resolves and asks again
    kind = classify(ip)
    if kind != "public":
        return f"{host}:{port} is a {kind} address ({ip}) the config does not name"
    return None
