"""Golden cases for the one URL canonicalisation shared by the crawl and the warehouse."""

from __future__ import annotations

import pytest

from pipeline.urls import canonicalize, choose_canonical, host_of, in_domains, url_id

GOLDEN: list[tuple[str, str]] = [
    # scheme, host case, default ports
    ("HTTP://Example.COM/a", "https://example.com/a"),
    ("http://example.com/a", "https://example.com/a"),
    ("https://EXAMPLE.com./a", "https://example.com/a"),
    ("http://example.com:80/a", "https://example.com/a"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("example.com/news/a", "https://example.com/news/a"),
    ("//example.com/news/a", "https://example.com/news/a"),
    ("  https://example.com/a \n", "https://example.com/a"),
    ("https://user:secret@example.com/a", "https://example.com/a"),
    # loopback and IP hosts keep their non-default port
    ("http://127.0.1.3:40123/news/a", "https://127.0.1.3:40123/news/a"),
    ("http://127.0.1.3:40123/news/a/?utm_source=rss", "https://127.0.1.3:40123/news/a"),
    ("http://localhost:8000/x/", "https://localhost:8000/x"),
    ("http://[::1]:8080/x/", "https://[::1]:8080/x"),
    ("http://10.0.0.1/", "https://10.0.0.1/"),
    # IDNA
    ("https://ПРИМЕР.рф/", "https://xn--e1afmkfd.xn--p1ai/"),
    ("https://bücher.de/a", "https://xn--bcher-kva.de/a"),
    # dot segments, empty path, duplicate slashes, trailing slash
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/?", "https://example.com/"),
    ("https://example.com/news//2024//a", "https://example.com/news/2024/a"),
    ("https://example.com/news/a/", "https://example.com/news/a"),
    ("https://example.com/news/a///", "https://example.com/news/a"),
    # fragments
    ("https://example.com/a#comments", "https://example.com/a"),
    ("https://example.com/a#!/x", "https://example.com/a"),
    # percent-encoding
    ("https://example.com/%7euser/a", "https://example.com/~user/a"),
    ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
    ("https://example.com/a b", "https://example.com/a%20b"),
    (
        "https://lenta.ru/новости/статья",
        "https://lenta.ru/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/%D1%81%D1%82%D0%B0%D1%82%D1%8C%D1%8F",
    ),
    ("https://example.com/s?q=caf%c3%a9", "https://example.com/s?q=caf%C3%A9"),
    # sorted query params
    ("https://example.com/s?b=2&a=1", "https://example.com/s?a=1&b=2"),
    ("https://example.com/s?page=2&id=7&utm_medium=x", "https://example.com/s?id=7&page=2"),
    # tracking parameters
    (
        "https://example.com/a?utm_source=tw&utm_medium=social&utm_campaign=x",
        "https://example.com/a",
    ),
    ("https://example.com/a?fbclid=IwAR0abc", "https://example.com/a"),
    ("https://example.com/a?gclid=1&dclid=2&msclkid=3&yclid=4", "https://example.com/a"),
    ("https://example.com/a?mc_cid=1&mc_eid=2&_ga=3", "https://example.com/a"),
    ("https://example.com/a?igshid=abc&ref=twitter&ref_src=twsrc%5Etfw", "https://example.com/a"),
    ("https://example.com/a?cmpid=rss&ncid=x&ocid=y", "https://example.com/a"),
    ("https://example.com/a?at_medium=sn&at_campaign=x", "https://example.com/a"),
    ("https://example.com/a?__twitter_impression=true", "https://example.com/a"),
    ("https://example.com/a?UTM_Source=x&id=1", "https://example.com/a?id=1"),
    # session parameters
    ("https://example.com/a?PHPSESSID=abc123&id=1", "https://example.com/a?id=1"),
    ("https://example.com/a?sid=abc&sessionid=x", "https://example.com/a"),
    ("https://example.com/a?jsessionid=abc", "https://example.com/a"),
    ("https://example.com/a;jsessionid=0A1B2C?id=1", "https://example.com/a?id=1"),
    ("https://example.com/a;JSESSIONID=0A1B2C", "https://example.com/a"),
    ("https://example.com/a?ASPSESSIONIDQACSRBDS=xyz", "https://example.com/a"),
    ("https://example.com/a?aspsessionid=xyz", "https://example.com/a"),
    # AMP and mobile variants
    ("https://example.com/amp/news/a", "https://example.com/news/a"),
    ("https://example.com/news/a/amp", "https://example.com/news/a"),
    ("https://example.com/news/a/amp/", "https://example.com/news/a"),
    ("https://example.com/news/a?amp", "https://example.com/news/a"),
    ("https://example.com/news/a?amp=1", "https://example.com/news/a"),
    ("https://example.com/news/a?outputType=amp", "https://example.com/news/a"),
    ("https://example.com/news/a.amp.html", "https://example.com/news/a.html"),
    ("https://amp.example.com/news/a", "https://example.com/news/a"),
    ("https://m.example.com/news/a", "https://example.com/news/a"),
    ("https://mobile.example.com/news/a", "https://example.com/news/a"),
    ("https://www.example.com/news/a", "https://www.example.com/news/a"),
    ("https://m.com/a", "https://m.com/a"),
    # things that must survive
    ("https://example.com/a?outputType=print", "https://example.com/a?outputType=print"),
    ("https://example.com/News/A", "https://example.com/News/A"),
    ("https://example.com/a?id=", "https://example.com/a?id="),
    ("https://example.com/amp", "https://example.com/amp"),
]


@pytest.mark.parametrize(("raw", "expected"), GOLDEN)
def test_golden(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


def test_golden_set_is_large() -> None:
    assert len(GOLDEN) >= 40


@pytest.mark.parametrize("raw", [raw for raw, _ in GOLDEN] + [exp for _, exp in GOLDEN])
def test_idempotent(raw: str) -> None:
    once = canonicalize(raw)
    assert canonicalize(once) == once


@pytest.mark.parametrize("bad", ["mailto:a@example.com", "ftp://example.com/a", "https://", ""])
def test_rejects_non_http(bad: str) -> None:
    with pytest.raises(ValueError):
        canonicalize(bad)


def test_variants_collapse_to_one_key() -> None:
    variants = [
        "http://example.com/news/a",
        "https://example.com/news/a/",
        "https://EXAMPLE.com:443/news/a?utm_source=x#top",
        "https://m.example.com/news/a?fbclid=1",
        "https://example.com/amp/news/a",
        "https://example.com/news/a;jsessionid=1",
    ]
    assert len({url_id(canonicalize(v)) for v in variants}) == 1


# -- choose_canonical ---------------------------------------------------------------------

DOMAINS = ("www.example.com",)


def test_declared_in_same_outlet_wins() -> None:
    got = choose_canonical(
        "https://www.example.com/news/a?utm_source=x", "https://www.example.com/story/123", DOMAINS
    )
    assert got == "https://www.example.com/story/123"


def test_declared_on_subdomain_wins() -> None:
    got = choose_canonical("https://www.example.com/a", "https://news.example.com/a", DOMAINS)
    assert got == "https://news.example.com/a"


def test_declared_on_other_host_ignored() -> None:
    got = choose_canonical(
        "https://www.example.com/news/a/", "https://wire-partner.org/story/9", DOMAINS
    )
    assert got == "https://www.example.com/news/a"


def test_declared_lookalike_host_ignored() -> None:
    got = choose_canonical("https://www.example.com/a", "https://evilexample.com/a", DOMAINS)
    assert got == "https://www.example.com/a"


def test_relative_declared_resolved_against_page() -> None:
    got = choose_canonical("https://www.example.com/news/2024/a?x=1", "../b", DOMAINS)
    assert got == "https://www.example.com/news/b"
    got = choose_canonical("https://www.example.com/news/a", "/story/7/", DOMAINS)
    assert got == "https://www.example.com/story/7"


def test_missing_or_blank_declared_uses_page() -> None:
    for declared in (None, "", "   "):
        got = choose_canonical("http://www.example.com/a/", declared, DOMAINS)
        assert got == "https://www.example.com/a"


def test_declared_site_root_from_article_ignored() -> None:
    got = choose_canonical("https://www.example.com/news/a", "https://www.example.com/", DOMAINS)
    assert got == "https://www.example.com/news/a"


def test_unparseable_declared_ignored() -> None:
    got = choose_canonical("https://www.example.com/a", "javascript:void(0)", DOMAINS)
    assert got == "https://www.example.com/a"


def test_mobile_page_aligned_to_outlet_host() -> None:
    got = choose_canonical("https://m.example.com/news/a", None, DOMAINS)
    assert got == "https://www.example.com/news/a"


def test_loopback_outlet() -> None:
    page = "http://127.0.1.3:40123/news/a?utm_source=feed"
    domains = ("127.0.1.3",)
    assert choose_canonical(page, "/news/a-canonical", domains) == (
        "https://127.0.1.3:40123/news/a-canonical"
    )
    assert choose_canonical(page, "http://127.0.1.4:40123/x", domains) == (
        "https://127.0.1.3:40123/news/a"
    )


def test_no_domains_means_page_host() -> None:
    assert choose_canonical("https://a.org/x", "https://a.org/y", ()) == "https://a.org/y"
    assert choose_canonical("https://a.org/x", "https://b.org/y", ()) == "https://a.org/x"


# -- ids and hosts ------------------------------------------------------------------------


def test_url_id_stable_and_signed_64() -> None:
    # a fixed value: changing it would re-key every stored article
    assert url_id("https://example.com/a") == -987803534012979804
    ids = {url_id(f"https://example.com/{i}") for i in range(2000)}
    assert len(ids) == 2000
    assert all(-(2**63) <= i < 2**63 for i in ids)
    assert any(i < 0 for i in ids) and any(i > 0 for i in ids)


def test_host_of() -> None:
    assert host_of("http://WWW.Example.com:8080/a") == "www.example.com"
    assert host_of("http://127.0.1.3:40123/a") == "127.0.1.3"
    assert host_of("https://пример.рф/") == "xn--e1afmkfd.xn--p1ai"
    assert host_of("not a url at all") == ""


def test_in_domains() -> None:
    assert in_domains("https://www.example.com/a", DOMAINS)
    assert in_domains("https://example.com/a", DOMAINS)
    assert in_domains("https://news.example.com/a", DOMAINS)
    assert not in_domains("https://example.org/a", DOMAINS)
    assert not in_domains("https://notexample.com/a", DOMAINS)
    assert in_domains("http://127.0.1.3:40123/a", ["127.0.1.3"])
    assert not in_domains("http://127.0.1.4:40123/a", ["127.0.1.3"])
    assert in_domains("https://пример.рф/a", ["ПРИМЕР.рф"])
