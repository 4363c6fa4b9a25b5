"""POST /v1/screenings answers exactly as recorded with rulebook v2 (re-record with tests/snapshots/record.py).

Apart from `id`, and `rules_version`: it hashes the rule files' text, so any edit to a comment
in rules/ changes it; the snapshot's value is replaced by the running app's.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from flask.testing import FlaskClient

SNAPSHOT = Path(__file__).parent / "snapshots" / "screenings.jsonl.gz"


def test_screenings_match_the_recorded_snapshot(client: FlaskClient) -> None:
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as lines:
        recorded = [json.loads(line) for line in lines]
    assert len(recorded) > 3000
    current = client.get("/v1/questionnaire").get_json()["rules_version"]
    assert re.fullmatch(r"2\.0\.0\+[0-9a-f]{12}", current)
    for case in recorded:
        if "rules_version" in case["body"]:
            case["body"]["rules_version"] = current
    changed = []
    for case in recorded:
        response = client.post("/v1/screenings", json=case["answers"])
        body = response.get_json()
        assert body.pop("id").startswith("scr_")
        if (response.status_code, body) != (case["status"], case["body"]):
            changed.append(case["answers"])
    assert changed == [], f"{len(changed)} screenings changed; first: {changed[:1]}"
