"""Distinct valid answer sets, generated reproducibly from the questionnaire."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from service import rulebook
from service.rulebook import Question

SEED = 2026
COUNT = 5000


def answer_sets(count: int = COUNT, seed: int = SEED) -> list[dict[str, Any]]:
    """`count` different answer sets the API accepts; optional questions are left out a quarter of the time.

    Questions are answered in questionnaire order, each only when the rulebook shows it for the
    answers so far (`Rulebook.shown`): an answer to a question not shown is refused.
    """
    book = rulebook.load()
    rng = random.Random(seed)
    seen: set[str] = set()
    sets: list[dict[str, Any]] = []
    while len(sets) < count:
        answers: dict[str, Any] = {}
        for q in book.questions:
            if q.id in book.shown(answers) and (q.required or rng.random() >= 0.25):
                answers[q.id] = _answer(q, rng)
        text = json.dumps(answers, sort_keys=True)
        if text not in seen:
            seen.add(text)
            sets.append(answers)
    return sets


def _answer(question: Question, rng: random.Random) -> Any:
    if question.kind.partition == "subsets":  # mostly none, else a few options, as athletes tick them
        options = question.option_values
        return rng.sample(options, min(len(options), rng.choice((0, 0, 0, 1, 1, 2))))
    if question.nullable and not question.required and rng.random() < 0.2:
        return None
    return rng.choice([value for value in question.kind.values(question) if value is not None])


def write_lines(path: Path, documents: list[Any]) -> Path:
    """One compact JSON document per line, as the wrk script reads them."""
    path.write_text("".join(json.dumps(doc, separators=(",", ":")) + "\n" for doc in documents))
    return path
