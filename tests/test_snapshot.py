"""POST /v1/screenings answers exactly as recorded before the layout moved (apart from `id`)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from flask.testing import FlaskClient

SNAPSHOT = Path(__file__).parent / "snapshots" / "screenings.jsonl.gz"


def test_screenings_match_the_recorded_snapshot(client: FlaskClient) -> None:
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as lines:
        recorded = [json.loads(line) for line in lines]
    assert len(recorded) > 3000
    changed = []
    for case in recorded:
        response = client.post("/v1/screenings", json=case["answers"])
        body = response.get_json()
        assert body.pop("id").startswith("scr_")
        if (response.status_code, body) != (case["status"], case["body"]):
            changed.append(case["answers"])
    assert changed == [], f"{len(changed)} screenings changed; first: {changed[:1]}"
