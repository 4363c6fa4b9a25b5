"""The answer side of the invariants: the decision rank and what counts as more risk."""

from __future__ import annotations

from typing import Any

import pytest

from service import rulebook
from service.verification import facts

BOOK = rulebook.load()


def test_the_rank_orders_every_decision() -> None:
    assert set(facts.DECISION_RANK) == set(rulebook.DECISIONS)
    assert sorted(facts.DECISION_RANK, key=facts.DECISION_RANK.get) == [
        "not_recommended", "not_needed", "assess_first", "recommended_with_caution", "recommended",
    ]


def question(question_id: str) -> rulebook.Question:
    return next(q for q in BOOK.questions if q.id == question_id)


@pytest.mark.parametrize(
    ("question_id", "value", "reached"),
    [
        ("structural_conditions", [], [[o.value] for o in question("structural_conditions").options]),
        ("structural_conditions", ["labral_tear", "meniscus_tear", "hip_replacement", "hip_dysplasia", "other"],
         [["labral_tear", "femoroacetabular_impingement", "meniscus_tear", "hip_replacement", "hip_dysplasia",
           "other"]]),
        ("pain_areas", ["knee"], [["hip", "knee"], ["groin", "knee"], ["low_back", "knee"]]),
        ("pain_severity", 8, [9, 10]),
        ("pain_severity", 10, []),
        ("hip_pinch", False, [True]),
        ("hip_pinch", True, []),
        ("sex", "female", []),
    ],
)
def test_safety_mutations_add_one_contraindication_or_more_pain(question_id: str, value: Any,
                                                                reached: list[Any]) -> None:
    assert facts.safety_mutations(question(question_id), value) == reached
