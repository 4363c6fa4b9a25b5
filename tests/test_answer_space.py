from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from service import rulebook
from service.rulebook import conditions
from service.screening import answer_space
from service.screening.screener import Screener

BOOK = rulebook.load()
SPACE = answer_space.build(BOOK)


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(BOOK)


def random_answers(rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in BOOK.questions:
        answers[question.id] = rng.choice(question.kind.values(question))
    return answers


def payloads(count: int, seed: int) -> list[dict[str, Any]]:
    """Every rule example's answers, then random valid ones with optional answers sometimes left out."""
    rng = random.Random(seed)
    optional = [q.id for q in BOOK.questions if not q.required]
    sets = [dict(example.answers) for example in BOOK.examples]
    for _ in range(count):
        answers = random_answers(rng)
        for name in rng.sample(optional, rng.randint(0, len(optional))):
            del answers[name]
        sets.append(answers)
    return sets


def test_classes_follow_the_thresholds_the_rules_use() -> None:
    assert SPACE.field("pain_severity").representatives == (0, 1, 7)
    assert SPACE.field("sumo_days_per_week").representatives == (0, 3, None)
    assert SPACE.field("sex").representatives == ("female", "male")
    assert SPACE.field("structural_conditions").representatives == ([], ["labral_tear"])
    assert SPACE.size == 110_592


def test_each_representative_is_in_its_own_class() -> None:
    for field_classes in SPACE.fields:
        assert [field_classes.class_of(value) for value in field_classes.representatives] == list(
            range(field_classes.size)
        ), field_classes.question.id


def test_a_field_no_rule_reads_has_one_class() -> None:
    decision_rules = [rule for rule in BOOK.rules if rule.group == "decision"]
    space = answer_space.build(BOOK, decision_rules)
    assert space.field("wall_available").representatives == (True,)
    assert space.field("squats").size == 1
    assert space.size == 864


def test_answers_in_one_class_get_one_outcome(screener: Screener) -> None:
    """The class key is exact: random answers decide like their class representative."""
    rng = random.Random(2026)
    representative_of = {SPACE.key(case): case for case in SPACE.cases()}
    assert len(representative_of) == SPACE.size
    for _ in range(1500):
        answers = random_answers(rng)
        representative = representative_of[SPACE.key(answers)]
        assert screener.matching_rules(answers) == screener.matching_rules(representative), answers


def test_field_values_are_every_valid_answer(screener: Screener) -> None:
    minimal = {"sex": "male", "lifting_style": "none", "prior_soft_tissue_work": True}
    counts = {}
    for question in BOOK.questions:
        values = answer_space.field_values(question)
        counts[question.id] = len(values)
        for value in values:
            assert screener.load({**minimal, question.id: value})[question.id] == value
    assert counts == {
        "sex": 4, "sports": 128, "lifting_style": 4, "sumo_days_per_week": 9, "squats": 2, "pain_areas": 16,
        "pain_severity": 11, "hip_pinch": 2, "prior_soft_tissue_work": 2, "structural_conditions": 64,
        "hip_ir": 3, "wall_available": 2,
    }


def test_the_classes_are_exact_for_every_rule_over_every_answer() -> None:
    exactness = answer_space.check_exact(SPACE, {rule.id: rule.when for rule in BOOK.rules})
    assert exactness.problems == ()
    assert exactness.values_checked == 247


def test_a_partition_too_coarse_for_the_conditions_is_caught() -> None:
    """The decision rules' space ignores sports the timing rules read: the check says which."""
    decision_space = answer_space.build(BOOK, [rule for rule in BOOK.rules if rule.group == "decision"])
    exactness = answer_space.check_exact(decision_space, {rule.id: rule.when for rule in BOOK.rules})
    assert "sports: [] and ['running'] share class 0, but after_event_other_sport tell them apart" in exactness.problems
    assert any(problem.startswith("squats: False and True") for problem in exactness.problems)
    assert any(problem.startswith("wall_available:") for problem in exactness.problems)


def test_classes_no_condition_tells_apart_are_found() -> None:
    """Exact, not minimal: an unanswered sumo count acts like 0-2 days under `gte: 3`, and once
    low back is chosen the other pain areas no longer change `pain_areas: {empty: false}`."""
    exactness = answer_space.check_exact(SPACE, {rule.id: rule.when for rule in BOOK.rules})
    assert exactness.redundant == (
        "sumo_days_per_week: classes 0 and 2 are never told apart",
        "pain_areas: classes 1 and 3 are never told apart",
    )
    assert SPACE.field("pain_areas").representatives[1:4:2] == (["low_back"], ["hip", "low_back"])
    sumo, pain = (exactness.alike[[f.question.id for f in SPACE.fields].index(name)]
                  for name in ("sumo_days_per_week", "pain_areas"))
    assert (sumo, pain) == ((0, 1, 0), (0, 1, 2, 1))
    leaders = {tuple(exactness.alike[slot][index] for slot, index in enumerate(key)) for key in SPACE.class_keys()}
    assert len(leaders) == 55_296


def test_a_given_test_keeps_unanswered_apart() -> None:
    asks = conditions.parse({"sumo_days_per_week": {"given": True}}, BOOK.fields, {})
    space = answer_space.build(BOOK, [dataclasses.replace(BOOK.rules[0], when=asks)])
    assert space.field("sumo_days_per_week").representatives == (0, None)
    exactness = answer_space.check_exact(space, {"asks": asks})
    assert (exactness.problems, exactness.redundant) == ((), ())


def test_keys_follow_the_order_of_cases() -> None:
    fixed = {"sex": "other", "sports": ["rotational", "running"], "pain_severity": 4, "hip_ir": "normal"}
    assert list(SPACE.class_keys(fixed)) == [SPACE.key(case) for case in SPACE.cases(fixed)]
    assert sum(1 for _ in SPACE.class_keys()) == SPACE.size


def test_the_index_numbers_every_class_once() -> None:
    indexes = [SPACE.index(case) for case in SPACE.cases()]
    assert sorted(indexes) == list(range(SPACE.size))
