from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from service import rulebook
from service.errors import EngineError
from service.rulebook import conditions
from service.screening.engine import Engine

BOOK = rulebook.load()


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(BOOK)


def fact(**answers: Any) -> dict[str, Any]:
    base = {q.id: q.default for q in BOOK.questions if not q.required}
    base.update({"sex": "male", "lifting_style": "none", "prior_soft_tissue_work": True}, **answers)
    return conditions.flatten(base, BOOK.fields)


def test_unconditional_rules_match_any_answers(engine: Engine) -> None:
    matched = engine.matching_rules(fact())
    assert {"no_indication_yet", "variant_feet_on_wall", "gentle_range_always"} <= matched


def test_answers_no_rule_of_the_rulebook_matches_are_still_handled() -> None:
    """A fact that matches none of the data's rules reaches only the catch-all: no crash."""
    only_rule = next(rule for rule in BOOK.rules if rule.id == "hip_pinch")
    narrow = rulebook.Rulebook(**{**_book_fields(), "rules": (only_rule,)})
    engine = Engine(narrow)
    for _ in range(3):
        assert engine.matching_rules(fact(hip_pinch=False)) == frozenset()
    assert engine.matching_rules(fact(hip_pinch=True)) == {"hip_pinch"}


def test_sessions_are_deleted_after_each_evaluation(engine: Engine) -> None:
    """durable-rules refuses the 1025th live session; 3000 evaluations prove none is kept."""
    for severity in itertools.islice(itertools.cycle(range(11)), 3000):
        engine.matching_rules(fact(pain_severity=severity))


def test_many_threads_at_once_get_the_same_answers_as_one(engine: Engine) -> None:
    rng = random.Random(7)
    facts = [
        fact(
            sex=rng.choice(["female", "male", "other"]),
            hip_ir=rng.choice(["limited", "normal", "not_tested"]),
            pain_severity=rng.randint(0, 10),
            hip_pinch=rng.random() < 0.2,
            wall_available=rng.random() < 0.5,
            sports=rng.sample(["running", "baseball_pitching", "rotational"], rng.randint(0, 2)),
        )
        for _ in range(400)
    ]
    sequential = [engine.matching_rules(f) for f in facts]
    with ThreadPoolExecutor(max_workers=16) as pool:
        concurrent = list(pool.map(engine.matching_rules, facts))
    assert concurrent == sequential


class FailingEngine(Engine):
    def _action(self, rule_id: str) -> Callable[[Any], None]:
        record = super()._action(rule_id)
        if rule_id != "hip_pinch":
            return record

        def explode(closure: Any) -> None:
            raise RuntimeError("boom")

        return explode


def test_an_exception_in_an_action_is_raised_not_swallowed() -> None:
    engine = FailingEngine(BOOK)
    with pytest.raises(EngineError, match="boom"):
        engine.matching_rules(fact(hip_pinch=True))
    # The engine stays usable, and the failure left nothing behind.
    assert "no_indication_yet" in engine.matching_rules(fact())


def _book_fields() -> dict[str, Any]:
    return {
        "name": BOOK.name, "version": BOOK.version, "rules_version": BOOK.rules_version,
        "questions": BOOK.questions, "groups": BOOK.groups, "cautions": BOOK.cautions,
        "preparation": BOOK.preparation, "examples": (),
    }
