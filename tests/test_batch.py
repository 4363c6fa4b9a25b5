"""POST /v1/screenings/batch, as a client sees it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from test_api import assert_problem

from service import create_app
from service.errors import MAX_LISTED_ERRORS
from service.rulebook import Rulebook

BATCH = "/v1/screenings/batch"


def without_id(screening: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in screening.items() if key != "id"}


def test_a_bad_item_in_the_middle_fails_alone(client: FlaskClient, answers: dict[str, Any]) -> None:
    labral = {**answers, "structural_conditions": ["labral_tear"]}
    response = client.post(BATCH, json={"items": [answers, {"sex": "woman", "lifting_style": "sumo"}, labral]})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [(item["index"], item["ok"]) for item in results] == [(0, True), (1, False), (2, True)]
    assert results[0]["screening"]["decision"] == "recommended"
    assert results[2]["screening"]["decision"] == "not_recommended"
    problem = results[1]["problem"]
    assert (problem["status"], problem["title"]) == (422, "Invalid answers")
    assert {"sex", "prior_soft_tissue_work", "red_flags", "hip_pinch"} <= set(problem["errors"])
    assert "sex" in problem["detail"]


def test_each_item_equals_a_single_screening_id_aside(client: FlaskClient, shared_app: Flask) -> None:
    book: Rulebook = shared_app.extensions["screening"].rulebook
    items = [dict(example.answers) for example in book.examples]
    results = client.post(BATCH, json={"items": items}).get_json()["results"]
    assert len(results) == len(items)
    for item, result in zip(items, results, strict=True):
        single = client.post("/v1/screenings", json=item).get_json()
        assert without_id(result["screening"]) == without_id(single)
        assert result["screening"]["id"].startswith("scr_") and result["screening"]["id"] != single["id"]


@pytest.mark.parametrize("item", [[], "sumo", None, 7, {"sex": "male", "extra": 1}])
def test_an_item_that_is_not_answers_gets_a_problem(client: FlaskClient, item: Any, answers: dict[str, Any]) -> None:
    results = client.post(BATCH, json={"items": [item, answers]}).get_json()["results"]
    assert results[0]["ok"] is False and results[0]["problem"]["errors"]
    assert results[1]["ok"] is True


def test_the_same_validation_messages_as_a_single_screening(client: FlaskClient) -> None:
    bad = {"sex": "woman", "pain_severity": "5", "extra": 1}
    single = client.post("/v1/screenings", json=bad).get_json()
    in_batch = client.post(BATCH, json={"items": [bad]}).get_json()["results"][0]["problem"]
    assert in_batch == single


def test_an_empty_batch_has_no_results(client: FlaskClient) -> None:
    assert client.post(BATCH, json={"items": []}).get_json() == {"results": []}


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ([{"sex": "male"}], "_body"),
        ({}, "items"),
        ({"items": {"sex": "male"}}, "items"),
        ({"items": [], "callback": "x"}, "callback"),
    ],
    ids=["a-list", "no-items", "items-not-a-list", "unknown-key"],
)
def test_a_body_that_is_not_a_batch_is_422_naming_the_problem(client: FlaskClient, body: Any, named: str) -> None:
    problem = assert_problem(client.post(BATCH, json=body), 422)
    assert problem["title"] == "Invalid batch"
    assert named in problem["errors"]


def test_malformed_and_non_json_bodies_are_refused_as_for_single_screenings(client: FlaskClient) -> None:
    assert_problem(client.post(BATCH, data="{", content_type="application/json"), 400)
    assert_problem(client.post(BATCH, data="items", content_type="text/plain"), 415)


def test_more_items_than_the_limit_is_422_naming_items(client: FlaskClient, answers: dict[str, Any]) -> None:
    """maxItems is a rule of the body's schema like the others (422); 413 is for a body's bytes."""
    problem = assert_problem(client.post(BATCH, json={"items": [answers] * 1001}), 422)
    assert problem["title"] == "Batch too large"
    assert problem["type"].endswith(":batch-too-large")
    assert "1001" in problem["detail"] and "1000" in problem["detail"]
    assert problem["errors"] == {"items": ["At most 1000 items are accepted in one request without an API key."]}


@pytest.mark.slow
def test_a_full_batch_of_1000_fits_although_it_is_over_the_single_body_limit(client: FlaskClient,
                                                                              answers: dict[str, Any]) -> None:
    body = json.dumps({"items": [answers] * 1000}, indent=2)
    assert len(body) > 64 * 1024 * 2  # over twice the limit of one screening's body
    response = client.post(BATCH, data=body, content_type="application/json")
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [item["index"] for item in results] == list(range(1000))
    assert all(item["ok"] and item["screening"]["decision"] == "recommended" for item in results)


def test_the_batch_limits_are_configurable(answers: dict[str, Any]) -> None:
    client = create_app({"TESTING": True, "BATCH_MAX": 2, "BATCH_MAX_BODY_BYTES": 1000,
                         "ANON_RATE_LIMIT": "none"}).test_client()
    assert client.post(BATCH, json={"items": [answers] * 2}).status_code == 200
    assert assert_problem(client.post(BATCH, json={"items": [answers] * 3}), 422)["title"] == "Batch too large"
    padded = {"items": [{**answers, "padding": "x" * 1000}]}
    assert assert_problem(client.post(BATCH, json=padded), 413)["title"] == "Request Entity Too Large"


def hostile_item(keys: int = 180) -> dict[str, int]:
    """An item of unknown keys only: each one a problem to report."""
    return {f"x{number}": 0 for number in range(keys)}


def test_the_problems_listed_per_item_are_capped_and_the_cap_is_said(client: FlaskClient) -> None:
    """Finding 2 of issue 15: 226 unknown keys gave 226 listed problems per item, 7.6 MB out per batch."""
    item = hostile_item()
    problem = client.post(BATCH, json={"items": [item, {"x": 1}]}).get_json()["results"][0]["problem"]
    assert len(problem["errors"]) == MAX_LISTED_ERRORS
    assert int(problem["detail"].split()[0]) == len(item)  # every unknown key
    assert f"the first {MAX_LISTED_ERRORS} are listed" in problem["detail"]
    assert len(json.dumps(problem)) < 2000
    assert client.post("/v1/screenings", json=item).get_json() == problem  # a single screening alike


def test_anonymous_callers_have_a_lower_batch_ceiling(answers: dict[str, Any]) -> None:
    key = "coach-key-5b1f0e7c9a2d4e6f"
    client = create_app({"TESTING": True, "ANON_RATE_LIMIT": "none", "API_KEYS": f"coach:{key}",
                         "ANON_BATCH_MAX": 3}).test_client()
    assert client.post(BATCH, json={"items": [answers] * 3}).status_code == 200
    problem = assert_problem(client.post(BATCH, json={"items": [answers] * 4}), 422)
    assert "at most 3" in problem["detail"] and "without an API key" in problem["detail"]
    assert problem["errors"] == {"items": ["At most 3 items are accepted in one request without an API key."]}
    keyed = client.post(BATCH, json={"items": [answers] * 4}, headers={"Authorization": f"Bearer {key}"})
    assert keyed.status_code == 200
    padded = {"items": [{**answers, "padding": "x" * 7000}]}  # over 3 items' room, under the keyed limit
    assert assert_problem(client.post(BATCH, json=padded), 413)["title"] == "Request Entity Too Large"


# Run in a fresh interpreter set up like a gunicorn worker (two malloc arenas, and the trim that
# gunicorn_conf.post_request makes after a large body): the test process's own heap, shaped by
# every test before it, would say nothing about a worker's.
HOSTILE_BATCHES = """
import json, os, sys
from service import create_app, gunicorn_conf

key = "coach-key-5b1f0e7c9a2d4e6f"
client = create_app({"TESTING": True, "KEY_RATE_LIMIT": "none", "API_KEYS": f"coach:{key}"}).test_client()
body = open(sys.argv[1]).read()
headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
environ = {"CONTENT_LENGTH": str(len(body.encode()))}

def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

def send():
    assert client.post("/v1/screenings/batch", data=body, headers=headers).status_code == 200
    gunicorn_conf.post_request(None, None, environ, None)

for _ in range(3):
    send()
before = rss_mb()
for _ in range(20):
    send()
print(rss_mb() - before)
"""


@pytest.mark.slow
def test_hostile_batches_leave_memory_where_it_was(tmp_path: Path) -> None:
    """Finding 2 of issue 15: a worker's RSS after 20 hostile batches stays within 10 MB of before."""
    body = tmp_path / "batch.json"
    body.write_text(json.dumps({"items": [hostile_item()] * 1000}))
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
           "SERVICE_ACCESS_LOG": "false"}
    done = subprocess.run([sys.executable, "-c", HOSTILE_BATCHES, str(body)], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert float(done.stdout.strip().splitlines()[-1]) < 10


def test_the_body_limit_per_item_follows_the_item_limit(answers: dict[str, Any]) -> None:
    app = create_app({"TESTING": True, "BATCH_MAX": 10, "ANON_RATE_LIMIT": "none"})
    assert app.config["BATCH_MAX_BODY_BYTES"] == 10 * 2048
    body = json.dumps({"items": [{**answers, "padding": "x" * 25_000}]})
    assert_problem(app.test_client().post(BATCH, data=body, content_type="application/json"), 413)
