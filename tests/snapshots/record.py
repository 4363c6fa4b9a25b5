"""Record what POST /v1/screenings answers today, for the snapshot test to compare against.

Run from the repository root: `python tests/snapshots/record.py`. It writes
`tests/snapshots/screenings.jsonl.gz`: one line per request, `{"answers", "status", "body"}`,
the body without its `id`. The answer sets are the rule examples, then 3,000 random valid ones.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

from service import create_app
from service.rulebook import Rulebook

SNAPSHOT = Path(__file__).with_name("screenings.jsonl.gz")
SEED = 20261129
COUNT = 3000


def random_answers(book: Rulebook, questions: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """A valid answer set drawn from the served questionnaire, question by question.

    Only the questions the rulebook shows for the answers so far are answered (`Rulebook.shown`,
    the one meaning of show_if); optional ones are sometimes left out.
    """
    answers: dict[str, Any] = {}
    for question in questions:
        if question["id"] not in book.shown(answers):
            continue
        if not question["required"] and rng.random() < 0.3:
            continue
        values = [option["value"] for option in question.get("options", [])]
        if question["type"] == "single_choice":
            answers[question["id"]] = rng.choice(values)
        elif question["type"] == "multi_choice":
            # Safety lists are mostly empty, as for most athletes, so the rest of the rules get exercised.
            count = 0 if rng.random() < 0.6 else rng.randint(1, len(values))
            answers[question["id"]] = rng.sample(values, count)
        elif question["type"] == "boolean":
            answers[question["id"]] = rng.random() < 0.5
        else:
            answers[question["id"]] = rng.randint(question["minimum"], question["maximum"])
    return answers


def main() -> None:
    app = create_app({"TESTING": True, "ANON_RATE_LIMIT": "none"})
    client = app.test_client()
    questions = client.get("/v1/questionnaire").get_json()["questions"]
    book = app.extensions["screening"].rulebook
    rng = random.Random(SEED)
    sets = [dict(example.answers) for example in book.examples]
    sets += [random_answers(book, questions, rng) for _ in range(COUNT)]
    with gzip.open(SNAPSHOT, "wt", encoding="utf-8") as out:
        for answers in sets:
            response = client.post("/v1/screenings", json=answers)
            body = response.get_json()
            body.pop("id", None)
            out.write(json.dumps({"answers": answers, "status": response.status_code, "body": body}) + "\n")
    print(f"{len(sets)} screenings written to {SNAPSHOT}")


if __name__ == "__main__":
    main()
