"""The placeholder-contact warning: given when real outlets would see ``example.org``."""

from __future__ import annotations

from mediawatch.config import parse_config
from mediawatch.contact import contact_warning, placeholder_contact


def _config(user_agent: str, *homepages: str):
    return parse_config(
        {
            "crawl": {"user_agent": user_agent},
            "outlets": [{"name": f"o{i}", "homepage": h} for i, h in enumerate(homepages)],
        }
    )


def test_placeholder_domains() -> None:
    assert placeholder_contact("mediawatch (+mailto:monitoring@example.org)") == "example.org"
    assert placeholder_contact("x (+https://bot.example.com/about)") == "example.com"
    assert placeholder_contact("x (+mailto:me@desk.test)") == "test"
    assert placeholder_contact("x (+mailto:desk@newsroom-example.org)") is None
    assert placeholder_contact("x (+mailto:desk@rights.org)") is None


def test_warned_only_when_an_outlet_is_not_on_loopback() -> None:
    ua = "mediawatch (+mailto:monitoring@example.org)"
    warning = contact_warning(_config(ua, "https://news.example.net/", "http://127.0.1.1:8700/"))
    assert warning is not None and "'example.org'" in warning
    assert contact_warning(_config(ua, "http://127.0.1.1:8700/", "http://localhost:9/")) is None
    config = _config(ua, "https://news.example.net/", "http://127.0.1.1:8700/")
    assert contact_warning(config, ["o1"]) is None  # only the loopback outlet is crawled
    real = _config("mediawatch (+mailto:desk@rights.org)", "https://news.example.net/")
    assert contact_warning(real) is None
