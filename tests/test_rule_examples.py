"""Every example in every rule file, run through the real engine."""

from __future__ import annotations

from pathlib import Path

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
    """The tags docs/clinical-basis.md justifies: only what the source text says is `seed`."""
    by_source = {source: {rule.id for rule in BOOK.rules if rule.source == source}
                 for source in ("seed", "interpretation", "general")}
    assert set().union(*by_source.values()) == {rule.id for rule in BOOK.rules}
    assert by_source["interpretation"] == {
        "hip_pinch", "sex_unstated_ir_not_tested", "ir_normal_without_training_load", "training_load",
        "no_indication_yet", "variant_wall_for_low_back", "low_back_pain_without_wall",
    }
    general = {"red_flag", "growing_joint_pain", "recent_surgery", "hip_replacement", "severe_pain"}
    assert general <= by_source["general"]
    basis = (Path(__file__).parents[1] / "docs" / "clinical-basis.md").read_text(encoding="utf-8")
    for rule in BOOK.rules:
        assert f"`{rule.id}`" in basis, f"docs/clinical-basis.md does not give the basis of {rule.id}"
