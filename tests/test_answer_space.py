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
FULL = answer_space.build(BOOK)
# How to do the drill (variant, timing, preparation): a space small enough to enumerate.
SMALL_RULES = [rule for rule in BOOK.rules if rule.file in ("variant.yaml", "timing.yaml", "preparation.yaml")]
SPACE = answer_space.build(BOOK, SMALL_RULES)


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
        for question in BOOK.questions:  # None stands for "not shown": a shown, required question needs a value
            if question.required and answers[question.id] is None:
                answers[question.id] = rng.choice([v for v in question.kind.values(question) if v is not None])
        for name in rng.sample(optional, rng.randint(0, len(optional))):
            del answers[name]
        shown = BOOK.shown(answers)  # an answer to a question not shown is refused
        sets.append({name: value for name, value in answers.items() if name in shown})
    return sets


def test_classes_follow_the_thresholds_the_rules_use() -> None:
    assert FULL.field("pain_severity").representatives == (0, 4, 7, None)
    assert FULL.field("sumo_days_per_week").representatives == (0, 3, None)
    assert FULL.field("age").representatives == (10, 18)
    assert FULL.field("sex").representatives == ("female", "other", "prefer_not_to_say", "male")
    assert FULL.field("structural_conditions").representatives == (
        [], ["labral_tear"], ["hip_replacement"], ["labral_tear", "hip_replacement"])
    assert FULL.size == 18_874_368
    assert SPACE.size == 256


def test_each_representative_is_in_its_own_class() -> None:
    for field_classes in FULL.fields:
        assert [field_classes.class_of(value) for value in field_classes.representatives] == list(
            range(field_classes.size)
        ), field_classes.question.id


def test_a_field_no_rule_reads_has_one_class() -> None:
    decision_rules = [rule for rule in BOOK.rules if rule.group == "decision"]
    space = answer_space.build(BOOK, decision_rules)
    assert space.field("wall_available").representatives == (True,)
    assert space.field("squats").size == 1
    assert space.size == 221_184


def test_answers_in_one_class_get_one_outcome(screener: Screener) -> None:
    """The class key is exact: random answers match the rules like their class representative."""
    rng = random.Random(2026)
    representative_of = {SPACE.key(case): case for case in SPACE.cases()}
    assert len(representative_of) == SPACE.size
    small = {rule.id for rule in SMALL_RULES}
    for _ in range(1500):
        answers = random_answers(rng)
        representative = {**answers, **representative_of[SPACE.key(answers)]}
        assert screener.matching_rules(answers) & small == screener.matching_rules(representative) & small, answers


def test_field_values_are_every_valid_answer(screener: Screener) -> None:
    base = {"red_flags": [], "age": 30, "recent_surgery": [], "recent_injury": False, "structural_conditions": [],
            "pain_areas": ["knee"], "pain_severity": 3, "sex": "male", "lifting_style": "sumo",
            "prior_soft_tissue_work": True, "hip_pinch": False}
    counts = {}
    for question in BOOK.questions:
        values = answer_space.field_values(question)
        counts[question.id] = len(values)
        for value in values:
            answers = {**base, question.id: value}
            if answers["pain_areas"] == [] and question.id != "pain_severity":
                del answers["pain_severity"]
            if answers["lifting_style"] not in ("sumo", "mixed"):
                answers.pop("sumo_days_per_week", None)
            if value is None:  # unanswered: for pain_severity, only when no area hurts
                del answers[question.id]
                if question.required:
                    answers["pain_areas"] = []
            assert screener.load(answers).get(question.id) == value
    assert counts == {
        "red_flags": 16, "age": 91, "recent_surgery": 16, "recent_injury": 2, "structural_conditions": 64,
        "pain_areas": 16, "pain_severity": 12, "sex": 4, "sports": 128, "lifting_style": 4, "sumo_days_per_week": 9,
        "squats": 2, "prior_soft_tissue_work": 2, "wall_available": 2, "hip_ir": 3, "hip_pinch": 2,
    }


def test_the_classes_are_exact_for_every_rule_over_every_answer() -> None:
    exactness = answer_space.check_exact(FULL, {rule.id: rule.when for rule in BOOK.rules})
    assert exactness.problems == ()
    assert exactness.values_checked == 373


def test_a_partition_too_coarse_for_the_conditions_is_caught() -> None:
    """The decision rules' space ignores sports the timing rules read: the check says which."""
    decision_space = answer_space.build(BOOK, [rule for rule in BOOK.rules if rule.group == "decision"])
    exactness = answer_space.check_exact(decision_space, {rule.id: rule.when for rule in BOOK.rules})
    assert "sports: [] and ['running'] share class 0, but after_event_other_sport tell them apart" in exactness.problems
    assert any(problem.startswith("squats: False and True") for problem in exactness.problems)
    assert any(problem.startswith("wall_available:") for problem in exactness.problems)


def test_classes_no_condition_tells_apart_are_found() -> None:
    """Exact, not minimal: an unanswered sumo count acts like 0-2 days under `gte: 3`, and `other`
    and `prefer_not_to_say` are always named together."""
    exactness = answer_space.check_exact(FULL, {rule.id: rule.when for rule in BOOK.rules})
    assert "sumo_days_per_week: classes 0 and 2 are never told apart" in exactness.redundant
    assert "sex: classes 1 and 2 are never told apart" in exactness.redundant


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
