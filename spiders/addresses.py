"""Which network addresses mediawatch may connect to (SSRF protection): one guard for all.

Feed items, sitemap entries, links, robots ``Sitemap:`` lines and redirects come from
servers we do not control and may point at loopback, private or link-local addresses
inside the user's network. Only public addresses are allowed, plus the exact endpoints
(scheme, host **and** port) the config itself names. Every command that fetches asks
the same :class:`AddressGuard`: ``crawl``, ``crawl --recrawl`` and distributed workers
through ``spiders.middlewares.AddressGuardMiddleware``, ``outlets check`` (and ``outlets
add``) by building one with :meth:`AddressGuard.for_config`.

A host name is judged by what it resolves to, every address of it; when the guard's own
lookup fails the URL is refused (fail closed) and nothing is downloaded.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(host: str) -> IPAddress | None:
    """An IP address written in any form browsers accept (dotted, decimal, hex, octal, IPv6).

    Returns None for a host name.
    """
    host = normal_host(host)
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


def normal_host(host: str) -> str:
    """Lower case, without brackets or the root's trailing dot (``localhost.`` is ``localhost``).

    A fully qualified name with its final dot names the same host; left in, it made
    ``127.0.0.2.`` look like a name whose lookup failed, and the guard let it through.
    """
    host = host.strip("[]").lower()
    return host[:-1] if host.endswith(".") and not host.endswith("..") else host


def endpoint(url: str) -> tuple[str, int] | None:
    """(host, port) of an http(s) URL, with the scheme's default port filled in."""
    found = scheme_endpoint(url)
    return (found[1], found[2]) if found else None


Endpoint = tuple[str, str, int]  # (scheme, host, port)


def scheme_endpoint(url: str) -> Endpoint | None:
    """(scheme, host, port) of a URL, or None when it has no host or a malformed port."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        return None
    host = normal_host(parts.hostname or "")
    if not host:
        return None
    scheme = parts.scheme.lower()
    return scheme, host, port or default_port(scheme)


def configured_endpoints(urls: Iterable[str], domains: Iterable[str] = ()) -> frozenset[str]:
    """``host:port`` pairs a config names: its URLs exactly, extra domains on ports 80/443."""
    guard = AddressGuard.for_urls(urls, domains)
    return frozenset(f"{host}:{port}" for _scheme, host, port in guard.endpoints)


Resolver = Callable[[str, int], Sequence[IPAddress]]


def resolve_all(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (blocking; raises OSError when the lookup fails)."""
    found: list[IPAddress] = []
    for *_rest, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        ip = parse_ip(str(sockaddr[0]).split("%", 1)[0])
        if ip is not None and ip not in found:
            found.append(ip)
    if not found:
        raise OSError(f"{host} resolved to no address")
    return found


@dataclass(frozen=True)
class AddressGuard:
    """What may be fetched: public addresses, plus exactly the endpoints the config names.

    Use: ``reason = guard.refuse_reason(url)``; when it is None and
    ``guard.lookup_host(url)`` names a host, resolve it (``resolve_all``, or the
    reactor's resolver) and ask ``guard.refuse_resolved(url, addresses)``, passing ``[]``
    when the lookup failed. ``guard.check(url)`` does all three, blocking.
    """

    endpoints: frozenset[Endpoint] = frozenset()

    @classmethod
    def for_urls(cls, urls: Iterable[str], domains: Iterable[str] = ()) -> AddressGuard:
        """The config's URLs open their own endpoint; extra domains open http:80 and https:443.

        An outlet placed on a private address opens that address, scheme and port only,
        not every service listening on the same machine.
        """
        out: set[Endpoint] = set()
        for url in urls:
            found = scheme_endpoint(url)
            if found and found[0] in ALLOWED_SCHEMES:
                out.add(found)
        for domain in domains:
            host = normal_host(domain)
            if host:
                out.update({("http", host, 80), ("https", host, 443)})
        return cls(frozenset(out))

    @classmethod
    def for_config(cls, config: Any) -> AddressGuard:
        """The guard for a ``mediawatch.config.Config``: every outlet's URLs and domains."""
        urls = [u for o in config.outlets for u in (o.homepage, *o.feeds, *o.sitemaps, *o.sections)]
        return cls.for_urls(urls, [d for o in config.outlets for d in o.allowed_domains])

    def configured(self, url: str) -> bool:
        found = scheme_endpoint(url)
        return found is not None and self._names(found)

    def _names(self, found: Endpoint) -> bool:
        return found in self.endpoints

    def refuse_reason(self, url: str) -> str | None:
        """Why ``url`` must not be fetched, judged without DNS; None: allowed, or see
        ``lookup_host``."""
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            return f"scheme {parts.scheme or '(none)'!r} is not allowed"
        found = scheme_endpoint(url)
        if found is None:
            return "no host or a malformed port"
        if self._names(found):
            return None
        _scheme, host, port = found
        ip = parse_ip(host)
        if ip is not None:
            return _kind_reason(host, port, [ip])
        return None

    def lookup_host(self, url: str) -> str | None:
        """The host name to resolve before ``url`` may be fetched, or None (no lookup needed)."""
        if self.refuse_reason(url) is not None or self.configured(url):
            return None
        found = scheme_endpoint(url)
        if found is None or parse_ip(found[1]) is not None:
            return None
        return found[1]

    def refuse_resolved(
        self, url: str, addresses: Sequence[IPAddress], error: str = ""
    ) -> str | None:
        """The verdict once the host's addresses are known; no address at all is refused."""
        reason = self.refuse_reason(url)
        if reason is not None or self.configured(url):
            return reason
        found = scheme_endpoint(url)
        assert found is not None
        _scheme, host, port = found
        if not addresses:
            why = f": {error}" if error else ""
            return f"{host} could not be resolved to check its address (refused){why}"[:300]
        return _kind_reason(host, port, addresses)

    def check(self, url: str, resolver: Resolver = resolve_all) -> str | None:
        """All of it, blocking: for commands that fetch outside a crawl (``outlets check``)."""
        reason = self.refuse_reason(url)
        host = self.lookup_host(url) if reason is None else None
        if host is None:
            return reason
        found = scheme_endpoint(url)
        assert found is not None
        try:
            addresses = list(resolver(host, found[2]))
        except (OSError, UnicodeError, ValueError) as exc:
            return self.refuse_resolved(url, [], str(exc))
        return self.refuse_resolved(url, addresses)

    def allowed(self, url: str, resolver: Resolver = resolve_all) -> bool:
        return self.check(url, resolver) is None


def _kind_reason(host: str, port: int, addresses: Sequence[IPAddress]) -> str | None:
    """Refused when any address is not public: a name may also resolve to an internal one."""
    for ip in addresses:
        kind = classify(ip)
        if kind != "public":
            return f"{host}:{port} is a {kind} address ({ip}) the config does not name"
    return None


def refuse_reason(
    url: str, allowed: frozenset[str], resolved: IPAddress | None = None
) -> str | None:
    """The guard's verdict for ``host:port`` pairs (``configured_endpoints``), any scheme.

    Kept for callers that hold such pairs; new code builds an ``AddressGuard``. A name
    that is neither allowed nor resolved is refused: pass the address it resolved to.
    """
    found = scheme_endpoint(url)
    if found is None or found[0] not in ALLOWED_SCHEMES:
        return AddressGuard().refuse_reason(url)
    endpoints: set[Endpoint] = set()
    for item in allowed:
        host, sep, port = item.rpartition(":")
        if sep and port.isdigit():
            endpoints.update((s, normal_host(host), int(port)) for s in ALLOWED_SCHEMES)
    guard = AddressGuard(frozenset(endpoints))
    reason = guard.refuse_reason(url)
    if reason is not None or guard.lookup_host(url) is None:
        return reason
    return guard.refuse_resolved(url, [resolved] if resolved is not None else [])
