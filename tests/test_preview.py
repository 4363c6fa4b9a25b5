"""The preview against the real engine, on random partial answers and random completions of them."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Mapping
from typing import Any

import pytest

from service import rulebook
from service.screening.preview import Previewer
from service.screening.screener import Screener

BOOK = rulebook.load()
MOVING = [question.id for question in BOOK.questions if question.asks_to_move]
CLEAR = {"red_flags": [], "age": 30, "recent_surgery": [], "recent_injury": False, "structural_conditions": [],
         "pain_areas": []}
REASONS_NOT_TO_MOVE = [
    {"red_flags": ["unwell"]}, {"recent_surgery": ["spine"]}, {"recent_injury": True},
    {"structural_conditions": ["hip_replacement"]}, {"structural_conditions": ["labral_tear"]},
    {"pain_areas": ["groin"], "pain_severity": 2}, {"pain_areas": ["low_back"], "pain_severity": 8},
    {"age": 13, "pain_areas": ["knee"], "pain_severity": 1},
]


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(BOOK)


@pytest.fixture(scope="module")
def previewer(screener: Screener) -> Previewer:
    return Previewer(screener)


def random_value(question: rulebook.Question, rng: random.Random) -> Any:
    values = [value for value in question.kind.values(question) if value is not None]
    return rng.choice(values)


def complete(given: Mapping[str, Any], rng: random.Random, defaults: bool) -> dict[str, Any]:
    """A completion the API accepts: given answers kept, shown questions answered (optional ones
    with their default when `defaults`), hidden ones left out."""
    answers: dict[str, Any] = {}
    for question in BOOK.questions:
        if question.id in given:
            answers[question.id] = given[question.id]
        elif question.id in BOOK.shown(answers) and (question.required or not defaults):
            answers[question.id] = random_value(question, rng)
    return answers


def partial(rng: random.Random) -> dict[str, Any]:
    """Random answers to a random part of the questionnaire, mostly without a reason not to move."""
    start = {**CLEAR, "hip_pinch": False} if rng.random() < 0.7 else {}
    full = complete(start, rng, defaults=False)
    kept: dict[str, Any] = {}
    for question in BOOK.questions:
        if question.id in full and question.id in BOOK.shown(kept) and rng.random() < 0.6:
            kept[question.id] = full[question.id]
    return kept


def without_id(body: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "id"}


@pytest.mark.parametrize("seed", range(12))
def test_random_partial_answers_agree_with_the_engine(seed: int, previewer: Previewer, screener: Screener) -> None:
    rng = random.Random(seed)
    for _ in range(10):
        given = partial(rng)
        body = previewer.preview(screener.load(given, partial=True))
        for _ in range(8):
            decision = screener.screen(screener.load(complete(given, rng, defaults=False))).outcome.decision
            assert decision in body["possible_decisions"], given
        if body["screening"] is not None:
            filled = screener.load(complete({**body["assumed_defaults"], **given}, rng, defaults=True))
            assert without_id(screener.screen(filled).dict()) == without_id(body["screening"]), given


def test_nothing_answered_asks_what_rules_moving_out_first(previewer: Previewer) -> None:
    asked = previewer.preview({})["next_questions"]
    assert asked[0] == "red_flags"
    assert set(MOVING) <= set(asked)
    assert all(asked.index(moving) > asked.index(other) for moving in MOVING for other in asked
               if other not in MOVING)
    assert previewer.preview({})["ready_to_move"] is False


@pytest.mark.parametrize("reason", REASONS_NOT_TO_MOVE, ids=lambda reason: ",".join(f"{k}" for k in reason))
def test_no_movement_is_asked_once_a_reason_not_to_move_is_known(reason: dict[str, Any], previewer: Previewer,
                                                                  screener: Screener) -> None:
    for given in (reason, {**CLEAR, **reason}):
        body = previewer.preview(screener.load(given, partial=True))
        assert body["decision"] == "not_recommended"
        asked = body["next_questions"] + body["screening_needs"] + body["detail_questions"]
        assert not set(MOVING) & set(asked)
        assert body["ready_to_move"] is False


def test_a_red_flag_gives_the_whole_screening_at_once(previewer: Previewer, screener: Screener) -> None:
    body = previewer.preview(screener.load({"red_flags": ["bladder_or_bowel"]}, partial=True))
    assert body["settled"] and body["screening_needs"] == []
    assert body["screening"]["refer_urgency"] == "urgent"
    assert [c["code"] for c in body["screening"]["cautions"]] == ["red_flag"]


def test_movement_waits_for_every_question_before_it(previewer: Previewer, screener: Screener) -> None:
    before = {**CLEAR, "sex": "male", "lifting_style": "none", "prior_soft_tissue_work": True}
    assert previewer.preview(screener.load(before, partial=True))["ready_to_move"] is True
    missing = {key: value for key, value in before.items() if key != "age"}
    assert previewer.preview(screener.load(missing, partial=True))["ready_to_move"] is False


def test_a_required_answer_is_never_assumed(previewer: Previewer, screener: Screener) -> None:
    body = previewer.preview(screener.load({**CLEAR, "sex": "male", "hip_ir": "limited"}, partial=True))
    assert not {q.id for q in BOOK.questions if q.required} & set(body["assumed_defaults"])


def test_a_shown_conditional_question_is_asked(previewer: Previewer, screener: Screener) -> None:
    body = previewer.preview(screener.load({**CLEAR, "pain_areas": ["knee"]}, partial=True))
    assert "pain_severity" in body["shown_questions"]
    assert "pain_severity" in body["next_questions"]
    assert "pain_severity" not in previewer.preview(screener.load(CLEAR, partial=True))["shown_questions"]


def test_screenings_get_their_own_ids(previewer: Previewer, screener: Screener) -> None:
    given = screener.load({"red_flags": ["night_pain"]}, partial=True)
    assert previewer.preview(given)["screening"]["id"] != previewer.preview(given)["screening"]["id"]



def by_movement(given: Mapping[str, Any], screener: Screener) -> list[tuple[bool, dict[str, Any]]]:
    """The screening for every answer to the questions that ask to move, each marked True when its
    optional ones keep their defaults."""
    moving = [question for question in BOOK.questions if question.asks_to_move]
    options = [[value for value in q.kind.values(q) if value is not None] for q in moving]
    return [(all(q.required or value == q.default for q, value in zip(moving, values, strict=True)),
             without_id(screener.screen(screener.load({**given, **dict(zip(MOVING, values, strict=True))})).dict()))
            for values in itertools.product(*options)]


@pytest.mark.parametrize("seed", range(6))
def test_answers_without_movement_are_taken_exactly_when_no_movement_can_change_the_screening(
        seed: int, previewer: Previewer, screener: Screener) -> None:
    rng = random.Random(seed)
    kinds = set()
    for _ in range(10):
        start = {**CLEAR, **(rng.choice(REASONS_NOT_TO_MOVE) if rng.random() < 0.5 else {})}
        given = {key: value for key, value in complete(start, rng, defaults=False).items() if key not in MOVING}
        taken = previewer.without_moving(screener.load(given, partial=True))
        screenings = by_movement(given, screener)
        ruled_out = all(screening["decision"] == "not_recommended" for _, screening in screenings)
        assumed = {json.dumps(screening, sort_keys=True) for defaults, screening in screenings if defaults}
        kinds.add(taken is not None)
        if taken is None:
            assert not (ruled_out and len(assumed) == 1), given
            continue
        answers, entry = taken
        assert ruled_out and assumed == {json.dumps(without_id(entry.dict()), sort_keys=True)}, given
        full = screener.load({**given, "hip_pinch": False})
        assert answers == {key: value for key, value in full.items() if key != "hip_pinch"}, given
    assert kinds == {True, False}
