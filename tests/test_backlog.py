"""The compact queue of article URLs waiting for Scrapy's scheduler."""

from __future__ import annotations

from spiders.backlog import Backlog


def test_outlets_take_turns_and_each_keeps_its_order() -> None:
    backlog = Backlog()
    for i in range(5):
        backlog.add("A", f"a{i}", None)
    backlog.add("B", "b0", None)
    backlog.add("C", "c0", None)
    first = [url for _, url, _ in backlog.take(4)]
    assert first == ["a0", "b0", "c0", "a1"]
    assert backlog.outlets() == {"A"} and len(backlog) == 3
    assert [url for _, url, _ in backlog.take(10)] == ["a2", "a3", "a4"]
    assert len(backlog) == 0 and backlog.outlets() == set() and backlog.take(3) == []
