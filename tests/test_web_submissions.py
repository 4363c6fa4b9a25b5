"""Stored submissions for the coach: listing, cursors, export, delete, and one organization's walls."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from conftest import VALID_ANSWERS, as_org
from flask.testing import FlaskClient
from test_web_intakes import new_intake, submission, submit

PROBLEM = "application/problem+json"


def listing(client: FlaskClient, query: str = "", org: str = "acme") -> dict[str, Any]:
    response = client.get(f"/v1/submissions{query}", headers=as_org(org))
    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    return body


def test_pages_follow_the_cursor_while_new_submissions_arrive(db_client: FlaskClient) -> None:
    intake = new_intake(db_client)["id"]
    ids = [submit(db_client, intake).json["id"] for _ in range(7)]
    first = listing(db_client, "?limit=3")
    assert [item["id"] for item in first["items"]] == ids[::-1][:3]
    newer = submit(db_client, intake).json["id"]
    second = listing(db_client, f"?limit=3&cursor={first['next_cursor']}")
    third = listing(db_client, f"?limit=3&cursor={second['next_cursor']}")
    seen = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert seen == ids[::-1] and third["next_cursor"] is None
    assert listing(db_client, "?limit=1")["items"][0]["id"] == newer


def test_filters_by_intake_decision_refer_and_since(db_client: FlaskClient) -> None:
    one, two = new_intake(db_client)["id"], new_intake(db_client)["id"]
    submit(db_client, one)
    stored = submit(db_client, two).json
    decision, refer = stored["screening"]["decision"], stored["screening"]["refer"]
    assert [item["id"] for item in listing(db_client, f"?intake={two}")["items"]] == [stored["id"]]
    assert len(listing(db_client, f"?decision={decision}&refer={'true' if refer else 'false'}")["items"]) == 2
    assert len(listing(db_client, "?since=2000-01-01T00:00:00Z")["items"]) == 2
    assert listing(db_client, "?since=2999-01-01T00:00:00%2B02:00")["items"] == []


def test_urgent_referrals_are_found_by_refer_urgency(db_client: FlaskClient) -> None:
    intake = new_intake(db_client)["id"]
    by_urgency = {None: VALID_ANSWERS, "routine": {**VALID_ANSWERS, "structural_conditions": ["hip_replacement"]},
                  "urgent": {**VALID_ANSWERS, "red_flags": ["bladder_or_bowel"]}}
    ids = {urgency: submit(db_client, intake, submission(answers=answers)).json["id"]
           for urgency, answers in by_urgency.items()}
    for urgency in ("routine", "urgent"):
        items = listing(db_client, f"?refer_urgency={urgency}")["items"]
        assert [(item["id"], item["refer_urgency"], item["screening"]["refer_urgency"]) for item in items] == [
            (ids[urgency], urgency, urgency)]
    assert [item["id"] for item in listing(db_client, "?refer=false")["items"]] == [ids[None]]
    assert listing(db_client, "?refer=true&refer_urgency=urgent")["items"][0]["id"] == ids["urgent"]
    assert listing(db_client, "?refer=false&refer_urgency=urgent")["items"] == []
    rows = csv.DictReader(io.StringIO(db_client.get("/v1/submissions/export?format=csv", headers=as_org("acme"))
                                      .get_data(as_text=True)))
    assert {row["submission_id"]: row["refer_urgency"] for row in rows} == {
        ids[None]: "", ids["routine"]: "routine", ids["urgent"]: "urgent"}


@pytest.mark.parametrize("query", ["?limit=0", "?limit=many", "?refer=maybe", "?refer_urgency=soon",
                                   "?refer_urgency=true", "?since=yesterday", "?since=2026-04-01",
                                   "?decision=not_a_decision",
                                   "?cursor=bm9wZQ", "?colour=red"])
def test_bad_listing_parameters_are_named(db_client: FlaskClient, query: str) -> None:
    response = db_client.get(f"/v1/submissions{query}", headers=as_org("acme"))
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert query[1:].partition("=")[0] in response.json["errors"]


def test_a_deleted_submission_is_gone(db_client: FlaskClient) -> None:
    stored = submit(db_client, new_intake(db_client)["id"]).json
    assert db_client.delete(f"/v1/submissions/{stored['id']}", headers=as_org("acme")).status_code == 204
    assert db_client.get(f"/v1/submissions/{stored['id']}", headers=as_org("acme")).status_code == 404
    assert db_client.delete(f"/v1/submissions/{stored['id']}", headers=as_org("acme")).status_code == 404


def test_deleting_an_intake_deletes_its_submissions(db_client: FlaskClient) -> None:
    kept, dropped = new_intake(db_client)["id"], new_intake(db_client)["id"]
    keep = submit(db_client, kept).json["id"]
    gone = submit(db_client, dropped).json["id"]
    db_client.delete(f"/v1/intakes/{dropped}", headers=as_org("acme"))
    assert db_client.get(f"/v1/submissions/{gone}", headers=as_org("acme")).status_code == 404
    assert [item["id"] for item in listing(db_client)["items"]] == [keep]


def test_csv_export_has_a_row_per_submission_with_every_answer(db_client: FlaskClient) -> None:
    intake = new_intake(db_client)["id"]
    evil = submission(athlete={"name": "=HYPERLINK(\"x\")", "external_id": "a-7"})
    stored = [submit(db_client, intake).json, submit(db_client, intake, evil).json]
    response = db_client.get(f"/v1/submissions/export?format=csv&intake={intake}", headers=as_org("acme"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["submission_id"] for row in rows] == [item["id"] for item in stored]
    assert rows[0]["athlete_name"] == "Sam Lee" and rows[1]["athlete_name"].startswith("'=")
    assert rows[0]["decision"] == stored[0]["screening"]["decision"]
    assert rows[0]["hip_ir"] == "limited" and rows[0]["sports"] == "strength" and rows[0]["squats"] == "true"
    assert rows[0]["cautions"] == ";".join(c["code"] for c in stored[0]["screening"]["cautions"])


def test_jsonl_export_matches_what_get_returns(db_client: FlaskClient) -> None:
    stored = submit(db_client, new_intake(db_client)["id"]).json
    response = db_client.get("/v1/submissions/export?format=jsonl", headers=as_org("acme"))
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert lines == [db_client.get(f"/v1/submissions/{stored['id']}", headers=as_org("acme")).json]


def test_export_refuses_an_unknown_format(db_client: FlaskClient) -> None:
    response = db_client.get("/v1/submissions/export?format=xlsx", headers=as_org("acme"))
    assert response.status_code == 422 and "format" in response.json["errors"]


def another_orgs_ids(client: FlaskClient) -> tuple[str, str]:
    intake = new_intake(client, org="zeta")["id"]
    return intake, submit(client, intake).json["id"]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v1/intakes/{intake}"),
    ("PATCH", "/v1/intakes/{intake}"),
    ("DELETE", "/v1/intakes/{intake}"),
    ("GET", "/v1/submissions/{submission}"),
    ("DELETE", "/v1/submissions/{submission}"),
    ("GET", "/v1/submissions?intake={intake}"),
    ("GET", "/v1/submissions/export?intake={intake}"),
])
def test_another_organizations_ids_are_not_found(db_client: FlaskClient, method: str, path: str) -> None:
    intake, sub = another_orgs_ids(db_client)
    url = path.format(intake=intake, submission=sub)
    response = db_client.open(url, method=method, json={"title": "Mine now"} if method == "PATCH" else None,
                              headers=as_org("acme"))
    assert response.status_code == 404 and response.mimetype == PROBLEM
    assert db_client.get(f"/v1/submissions/{sub}", headers=as_org("zeta")).json["intake_id"] == intake
    assert db_client.get(f"/v1/intakes/{intake}", headers=as_org("zeta")).json["title"] == "Spring tryouts"


def test_listings_and_exports_show_only_the_callers_organization(db_client: FlaskClient) -> None:
    another_orgs_ids(db_client)
    assert db_client.get("/v1/intakes", headers=as_org("acme")).json["items"] == []
    assert listing(db_client)["items"] == []
    export = db_client.get("/v1/submissions/export?format=jsonl", headers=as_org("acme"))
    assert export.get_data(as_text=True) == ""


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v1/intakes"), ("POST", "/v1/intakes"), ("GET", "/v1/intakes/{intake}"),
    ("PATCH", "/v1/intakes/{intake}"), ("DELETE", "/v1/intakes/{intake}"), ("GET", "/v1/submissions"),
    ("GET", "/v1/submissions/{submission}"), ("DELETE", "/v1/submissions/{submission}"),
    ("GET", "/v1/submissions/export"),
])
def test_an_anonymous_caller_reads_nothing(db_client: FlaskClient, method: str, path: str) -> None:
    intake, sub = another_orgs_ids(db_client)
    response = db_client.open(path.format(intake=intake, submission=sub), method=method, json={})
    assert response.status_code == 401 and response.mimetype == PROBLEM
    assert "Sam Lee" not in response.get_data(as_text=True)
