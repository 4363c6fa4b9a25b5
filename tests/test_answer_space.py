from __future__ import annotations

import random
from typing import Any

import pytest

from service import answer_space, rulebook
from service.screening import Screener

BOOK = rulebook.load()
SPACE = answer_space.build(BOOK)


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(BOOK)


def random_answers(rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in BOOK.questions:
        values = [option.value for option in question.options]
        if question.type == "single_choice":
            answers[question.id] = rng.choice(values)
        elif question.type == "multi_choice":
            answers[question.id] = rng.sample(values, rng.randint(0, len(values)))
        elif question.type == "boolean":
            answers[question.id] = rng.random() < 0.5
        else:
            assert question.minimum is not None and question.maximum is not None
            pool: list[Any] = list(range(question.minimum, question.maximum + 1))
            answers[question.id] = rng.choice([*pool, None] if question.spec.nullable else pool)
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
        assert screener.evaluate(answers).rules == screener.evaluate(representative).rules, answers


def test_the_index_numbers_every_class_once() -> None:
    indexes = [SPACE.index(case) for case in SPACE.cases()]
    assert sorted(indexes) == list(range(SPACE.size))
