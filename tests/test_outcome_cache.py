"""The outcome cache gives exactly what durable-rules gives, for its own rulebook only."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import NO_REASON_NOT_TO_MOVE
from flask import Flask
from test_answer_space import payloads

from service import create_app, rulebook
from service.screening.screener import CACHE_MAX_CLASSES, Screener

BOOK = rulebook.load()
ROOM = 1 << 25  # more slots than the answer space has classes: a slot per class
# A slot per class, the default keyed table, and a keyed table far too small for the traffic.
CAPACITIES = [ROOM, CACHE_MAX_CLASSES, 64]


def cached_screener(capacity: int = CACHE_MAX_CLASSES) -> Screener:
    return Screener(BOOK, cache_max_classes=capacity)


def without_id(body: dict[str, Any]) -> dict[str, Any]:
    assert body["id"].startswith("scr_")
    return {key: value for key, value in body.items() if key != "id"}


@pytest.fixture(scope="module")
def uncached() -> Screener:
    return Screener(BOOK, cache_max_classes=0)


def class_representative(screener: Screener, answers: dict[str, Any]) -> dict[str, Any]:
    """Other answers of the same class: each field's representative of the class it is in."""
    return {f.question.id: f.representatives[f.class_of(answers[f.question.id])] for f in screener.space.fields}


@pytest.mark.parametrize("capacity", CAPACITIES)
def test_cached_screenings_equal_uncached_ones(uncached: Screener, capacity: int) -> None:
    """Every rule example and 2,000 random answer sets: a miss, a hit, and a hit for other answers."""
    cached = cached_screener(capacity)
    assert uncached.cache is None and cached.cache is not None
    assert cached.cache.slots == min(capacity, cached.space.size)
    for payload in payloads(2000, seed=61):
        answers = uncached.load(payload)
        expected = without_id(uncached.screen(answers).dict())
        for _ in range(2):
            assert without_id(json.loads(cached.screen(cached.load(payload)).json())) == expected, payload
            assert without_id(cached.screen(answers).dict()) == expected, payload
        representative = class_representative(cached, answers)
        assert without_id(cached.screen(representative).dict()) == without_id(uncached.screen(representative).dict())


def test_the_engine_is_asked_once_per_answer_class(monkeypatch: pytest.MonkeyPatch) -> None:
    screener = cached_screener()
    assert screener.cache is not None
    calls: list[dict[str, Any]] = []
    matching_rules = screener.matching_rules

    def counted(answers: dict[str, Any]) -> Any:
        calls.append(answers)
        return matching_rules(answers)

    monkeypatch.setattr(screener, "matching_rules", counted)
    base = screener.load({**NO_REASON_NOT_TO_MOVE, "sex": "male", "lifting_style": "sumo",
                          "prior_soft_tissue_work": True, "sumo_days_per_week": 5})
    same_class = {**base, "sumo_days_per_week": 6, "age": 45}  # no rule tells these apart
    other_class = {**base, "hip_pinch": True}
    assert screener.space.index(base) == screener.space.index(same_class) != screener.space.index(other_class)

    first = screener.screen(base)
    assert screener.screen(same_class) is first
    assert len(calls) == 1
    assert screener.screen(other_class).outcome.decision == "not_recommended"
    assert screener.screen(base) is first and len(calls) == 2


@pytest.mark.parametrize("capacity", CAPACITIES)
def test_threads_filling_one_cache_get_what_one_thread_gets(uncached: Screener, capacity: int) -> None:
    answer_sets = payloads(400, seed=7)
    expected = [without_id(uncached.screen(uncached.load(p)).dict()) for p in answer_sets]
    cached = cached_screener(capacity)

    def screen(payload: dict[str, Any]) -> dict[str, Any]:
        return without_id(json.loads(cached.screen(cached.load(payload)).json()))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(screen, answer_sets * 2)) == expected * 2


def test_the_spliced_body_is_what_flask_would_have_sent(app: Flask) -> None:
    screener: Screener = app.extensions["screening"]
    for payload in payloads(50, seed=3):
        text = screener.screen(screener.load(payload)).json()
        with app.app_context():
            assert app.json.response(json.loads(text)).get_data(as_text=True) == text  # type: ignore[attr-defined]


def test_each_app_caches_for_its_own_rulebook(rules_copy: Path) -> None:
    decision_rules = rules_copy / "decision.yaml"
    old_reason = "Pain of 7 or more out of 10 should be checked by a professional before any new mobility work."
    new_reason = "Severe pain, so see a professional first."
    decision_rules.write_text(decision_rules.read_text().replace(old_reason, new_reason))
    config = {"TESTING": True, "OUTCOME_CACHE_MAX_CLASSES": ROOM}
    shipped, edited = create_app(config), create_app({**config, "RULES_DIR": str(rules_copy)})
    assert all(app.extensions["screening"].cache is not None for app in (shipped, edited))
    answers = {**NO_REASON_NOT_TO_MOVE, "sex": "male", "lifting_style": "none", "prior_soft_tissue_work": True,
               "pain_areas": ["low_back"], "pain_severity": 9}
    bodies = [app.test_client().post("/v1/screenings", json=answers).get_json() for app in (shipped, edited)]
    assert bodies[0]["rules_version"] != bodies[1]["rules_version"]
    reasons = [{entry["rule"]: entry["text"] for entry in body["rationale"]}["severe_pain"] for body in bodies]
    assert reasons == [old_reason, new_reason]


def test_the_cache_can_be_turned_off_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_OUTCOME_CACHE_MAX_CLASSES", str(ROOM))
    assert create_app({"TESTING": True}).extensions["screening"].cache is not None
    monkeypatch.setenv("SERVICE_OUTCOME_CACHE_MAX_CLASSES", "0")
    app = create_app({"TESTING": True})
    assert app.extensions["screening"].cache is None
    answers = {**NO_REASON_NOT_TO_MOVE, "sex": "male", "lifting_style": "none", "prior_soft_tissue_work": True,
               "hip_pinch": True}
    assert app.test_client().post("/v1/screenings", json=answers).get_json()["decision"] == "not_recommended"


def test_a_full_keyed_table_serves_new_classes_without_storing_them(monkeypatch: pytest.MonkeyPatch) -> None:
    screener = cached_screener(8)
    assert screener.cache is not None and screener.cache.slots == 8 < screener.space.size
    calls: list[dict[str, Any]] = []
    matching_rules = screener.matching_rules
    monkeypatch.setattr(screener, "matching_rules", lambda answers: calls.append(answers) or matching_rules(answers))
    answer_sets = [screener.load(payload) for payload in payloads(200, seed=5)]
    classes = {screener.space.index(answers) for answers in answer_sets}
    for answers in answer_sets:
        screener.screen(answers)
    stored = sum(screener.cache.get(index) is not None for index in classes)
    assert 0 < stored <= 8 and len(classes) > 8
    calls.clear()
    for answers in answer_sets:
        screener.screen(answers)
    assert len(calls) == sum(screener.cache.get(screener.space.index(answers)) is None for answers in answer_sets)
