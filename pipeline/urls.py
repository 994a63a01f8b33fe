"""One URL canonicalisation for the whole pipeline.

The crawl's seen-URL filter and the warehouse key (``articles.id``) must agree, or the
same article is fetched and stored twice under two spellings. w3lib does the generic
RFC work (IDNA, percent-encoding, dot segments, sorted query, no fragment); this module
adds what news URLs need on top: tracking and session parameters, AMP/mobile variants,
default ports, trailing slashes and ``http`` == ``https``.

Decisions worth knowing:

* ``http`` and ``https`` are the same article, so the canonical scheme is always https.
* ``m.``, ``mobile.`` and ``amp.`` host prefixes are stripped to the remaining host
  (``m.example.com`` -> ``example.com``), never below a two-label host. ``www.`` is kept:
  whether an outlet lives on ``www`` is its choice. ``choose_canonical`` then aligns the
  host with the outlet's own spelling (``example.com`` -> ``www.example.com`` when that is
  the configured domain).
* Fragments are dropped, including ``#!`` (news sites do not route articles by them).
* Credentials in the URL are dropped: they are never part of an article's identity and
  must not end up in the warehouse.
* IP and loopback hosts are fine (unlike ``courlan.check_url``); non-default ports stay.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query keys dropped outright (compared case-insensitively).
_TRACKING_KEYS = frozenset(
    {
        # ad click ids
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "ysclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "wbraid",
        "gbraid",
        "igshid",
        "srsltid",
        "rb_clickid",
        # analytics / campaign
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "cmpid",
        "ncid",
        "ocid",
        "icid",
        "s_cid",
        "smid",
        "smtyp",
        "xtor",
        "spm",
        "__twitter_impression",
        "_openstat",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "soc_src",
        "soc_trk",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "sr_share",
        "fb_action_ids",
        "fb_action_types",
        "fb_ref",
        "fb_source",
        "action_object_map",
        "action_type_map",
        "action_ref_map",
        "cmp",
        "ito",
        # referral markers added by social sites and feed readers
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        # sessions
        "phpsessid",
        "sid",
        "jsessionid",
        "sessionid",
        "session_id",
        "aspsessionid",
        "cfid",
        "cftoken",
    }
)
# Query key prefixes dropped outright.
_TRACKING_PREFIXES = (
    "utm_",
    "at_",
    "hsa_",
    "pk_",
    "mtm_",
    "matomo_",
    "piwik_",
    "wt.",
    "aspsessionid",
    "__twitter",
)
# ``?amp``, ``?amp=1``, ``?outputType=amp``: the AMP rendering of the same article.
_AMP_KEYS = frozenset({"amp", "outputtype"})
_AMP_VALUES = frozenset({"", "1", "true", "yes", "amp"})
# ``;jsessionid=...`` and friends as path parameters.
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#;]*", re.IGNORECASE)
_MOBILE_PREFIXES = ("m.", "mobile.", "amp.")
_DEFAULT_PORTS = frozenset({80, 443})
_ID_BYTES = 8
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_HOST_CHARS = re.compile(r"[a-z0-9._-]+|[0-9a-f:.]+")


def canonicalize(url: str) -> str:
    """The one spelling of ``url`` under which the pipeline knows an article.

    Idempotent. Raises ``ValueError`` for anything that is not an http(s) URL with a host.
    """
    url = _with_scheme(url)
    if url.split(":", 1)[0].lower() not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url!r}")
    url = _PATH_SESSION.sub("", url)
    try:
        url = canonicalize_url(url, keep_blank_values=True, keep_fragments=False)
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # bad port, bad IPv6 literal, bad IDNA label
        raise ValueError(f"malformed URL {url!r}: {exc}") from exc
    host = _clean_host(parts.hostname or "")
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port not in _DEFAULT_PORTS:
        netloc += f":{port}"
    path = _clean_path(parts.path)
    query = _clean_query(parts.query)
    return urlunsplit(("https", netloc, path, query, ""))


def choose_canonical(page_url: str, declared: str | None, outlet_domains: Sequence[str]) -> str:
    """The article's key: the page's rel=canonical/og:url when it stays in the outlet.

    A declared canonical elsewhere (a syndication partner, a tracking host) is ignored, as
    is one that points at the site root from an article page (a common CMS template bug
    that would collapse every article into one). Relative values resolve against the page
    URL. With no configured domains, "the outlet" is the page's own host.
    """
    page = canonicalize(page_url)
    domains = tuple(outlet_domains) or (host_of(page),)
    chosen = page
    if declared and declared.strip():
        try:
            candidate = canonicalize(urljoin(page_url.strip(), declared.strip()))
        except ValueError:
            candidate = None
        if (
            candidate
            and in_domains(candidate, domains)
            and not (urlsplit(candidate).path == "/" and urlsplit(page).path != "/")
        ):
            chosen = candidate
    return _align_host(chosen, domains)


def url_id(canonical_url: str) -> int:
    """Stable signed 64-bit id of a canonical URL (fits DuckDB BIGINT), same in every process."""
    digest = hashlib.blake2b(canonical_url.encode("utf-8"), digest_size=_ID_BYTES).digest()
    return int.from_bytes(digest, "big", signed=True)


def host_of(url: str) -> str:
    """Lower-case ASCII (IDNA) host of ``url`` without port; '' when there is none."""
    try:
        return _clean_host(urlsplit(_with_scheme(url)).hostname or "")
    except ValueError:
        return ""


def in_domains(url: str, domains: Sequence[str]) -> bool:
    """Whether ``url``'s host is one of ``domains`` or a subdomain of one.

    A configured ``www.example.com`` also admits ``example.com`` and its other subdomains
    (``m.``, ``news.``): outlets link across them freely.
    """
    host = host_of(url)
    if not host:
        return False
    for domain in domains:
        base = _strip_www(_clean_host(domain.strip().split(":", 1)[0]))
        if base and (host == base or host.endswith("." + base)):
            return True
    return False


# -- helpers ----------------------------------------------------------------------------


def _with_scheme(url: str) -> str:
    """Accept ``//host/path`` and ``host/path`` as https; leave other schemes to be rejected."""
    url = url.strip()
    if url.startswith("//"):
        return "https:" + url
    scheme = _SCHEME.match(url)
    if scheme and "." not in scheme.group(1):
        return url
    return "https://" + url


def _clean_host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if not host:
        return ""
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"bad international host name {host!r}") from exc
    if not _HOST_CHARS.fullmatch(host):
        raise ValueError(f"not a host name: {host!r}")
    for prefix in _MOBILE_PREFIXES:
        rest = host.removeprefix(prefix)
        if rest != host and "." in rest and not _is_ip(host):
            return rest
    return host


def _is_ip(host: str) -> bool:
    return ":" in host or bool(re.fullmatch(r"[\d.]+", host))


def _strip_www(host: str) -> str:
    rest = host.removeprefix("www.")
    return rest if "." in rest else host


def _align_host(url: str, domains: Sequence[str]) -> str:
    """Use the outlet's spelling of its host when the URL differs only by ``www.``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _is_ip(host):
        return url
    for domain in domains:
        wanted = _clean_host(domain.strip().split(":", 1)[0])
        if wanted == host:
            return url
        if wanted and _strip_www(wanted) == _strip_www(host):
            netloc = wanted + (f":{parts.port}" if parts.port else "")
            return urlunsplit(parts._replace(netloc=netloc))
    return url


def _clean_path(path: str) -> str:
    path = re.sub(r"/{2,}", "/", path)
    segments = path.split("/")
    # "/amp/..." prefix and ".../amp" suffix are the AMP rendering of the same article
    if len(segments) > 2 and segments[1].lower() == "amp":
        del segments[1]
    while len(segments) > 2 and segments[-1] == "":
        segments.pop()
    if len(segments) > 2 and segments[-1].lower() == "amp":
        segments.pop()
    path = "/".join(segments)
    if path.lower().endswith(".amp.html"):
        path = path[: -len(".amp.html")] + ".html"
    elif path.lower().endswith(".amp") and len(path) > len("/.amp"):
        path = path[: -len(".amp")]
    path = path.rstrip("/")
    return path or "/"


def _clean_query(query: str) -> str:
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        name = unquote(key).strip().lower()
        if name in _TRACKING_KEYS or name.startswith(_TRACKING_PREFIXES):
            continue
        if name in _AMP_KEYS and unquote(value).strip().lower() in _AMP_VALUES:
            continue
        kept.append(pair)
    return "&".join(kept)
