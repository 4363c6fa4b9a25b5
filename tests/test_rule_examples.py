"""Every example in every rule file, run through the real engine."""

from __future__ import annotations

import pytest

from service import rulebook
from service.screening.outcome import expected_mismatches
from service.screening.screener import Screener

BOOK = rulebook.load()


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(BOOK)


@pytest.mark.parametrize("example", BOOK.examples, ids=lambda e: f"{e.file}:{e.name}")
def test_example(screener: Screener, example: rulebook.Example) -> None:
    result = screener.screen(screener.load(example.answers)).dict()
    assert expected_mismatches(result, example.expect) == []


def test_every_rule_file_has_examples() -> None:
    files = {rule.file for rule in BOOK.rules}
    assert files == {example.file for example in BOOK.examples}


def test_every_rule_is_tagged_with_its_source() -> None:
    assert {rule.source for rule in BOOK.rules} == {"seed", "general"}
    assert {rule.id for rule in BOOK.rules if rule.source == "general"} == {
        "severe_pain",
        "severe_pain_as_well",
        "indicated_with_current_pain",
    }
