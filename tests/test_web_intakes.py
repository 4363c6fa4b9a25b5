"""The coach's /v1/intakes and the athletes' submissions, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ACME_SECOND_KEY, VALID_ANSWERS, as_org
from flask.testing import FlaskClient

PROBLEM = "application/problem+json"


def new_intake(client: FlaskClient, org: str = "acme", **fields: Any) -> dict[str, Any]:
    response = client.post("/v1/intakes", json={"title": "Spring tryouts", "retention_days": 365, **fields},
                           headers=as_org(org))
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    return body


def submission(**changes: Any) -> dict[str, Any]:
    return {"answers": dict(VALID_ANSWERS), "athlete": {"name": "Sam Lee", "email": "sam@example.com"},
            "consent": True, **changes}


def submit(client: FlaskClient, intake_id: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.post(f"/v1/intakes/{intake_id}/submissions", json=body or submission(), headers=headers)


def test_an_intake_is_created_with_its_form_and_snippet(db_client: FlaskClient) -> None:
    intake = new_intake(db_client)
    assert intake["id"].startswith("itk_")
    assert (intake["title"], intake["retention_days"], intake["open"]) == ("Spring tryouts", 365, True)
    assert intake["form_url"].endswith(f"/form?intake={intake['id']}")
    assert f'data-intake="{intake["id"]}"' in intake["embed_html"] and "/embed.js" in intake["embed_html"]
    assert db_client.get(f"/v1/intakes/{intake['id']}", headers=as_org("acme")).json == intake


def test_keys_that_share_a_name_share_the_organization(db_client: FlaskClient) -> None:
    intake = new_intake(db_client)
    other_key = {"Authorization": f"Bearer {ACME_SECOND_KEY}"}
    assert db_client.get(f"/v1/intakes/{intake['id']}", headers=other_key).status_code == 200


def test_intakes_are_listed_changed_and_deleted(db_client: FlaskClient) -> None:
    first, second = new_intake(db_client), new_intake(db_client, title="Camp")
    listed = db_client.get("/v1/intakes", headers=as_org("acme")).json["items"]
    assert {item["id"] for item in listed} == {first["id"], second["id"]}
    changed = db_client.patch(f"/v1/intakes/{first['id']}", json={"open": False, "retention_days": 30},
                              headers=as_org("acme"))
    assert (changed.json["open"], changed.json["retention_days"]) == (False, 30)
    assert changed.json["title"] == "Spring tryouts"
    assert db_client.delete(f"/v1/intakes/{first['id']}", headers=as_org("acme")).status_code == 204
    assert db_client.get(f"/v1/intakes/{first['id']}", headers=as_org("acme")).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"retention_days": 30}, "title"),
    ({"title": "  ", "retention_days": 30}, "title"),
    ({"title": "x" * 201, "retention_days": 30}, "title"),
    ({"title": "T", "retention_days": 0}, "retention_days"),
    ({"title": "T", "retention_days": "30"}, "retention_days"),
    ({"title": "T", "retention_days": 30, "owner": "zeta"}, "owner"),
])
def test_bad_intake_fields_are_named(db_client: FlaskClient, body: dict[str, Any], field: str) -> None:
    response = db_client.post("/v1/intakes", json=body, headers=as_org("acme"))
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert field in response.json["errors"]


def test_a_submission_stores_the_screening_it_returns(db_client: FlaskClient) -> None:
    intake = new_intake(db_client)
    response = submit(db_client, intake["id"])
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    created = response.json
    assert created["id"].startswith("sub_") and created["screening"]["id"].startswith("scr_")
    direct = db_client.post("/v1/screenings", json=VALID_ANSWERS).json
    assert {**created["screening"], "id": None} == {**direct, "id": None}
    stored = db_client.get(f"/v1/submissions/{created['id']}", headers=as_org("acme")).json
    assert stored["screening"] == created["screening"]
    assert stored["athlete"] == {"name": "Sam Lee", "email": "sam@example.com", "external_id": None}
    assert stored["intake_id"] == intake["id"] and stored["rules_version"] == direct["rules_version"]
    assert stored["answers"]["hip_ir"] == "limited" and stored["consent_given_at"]


@pytest.mark.parametrize("consent", [None, False, "yes", 1])
def test_without_consent_nothing_is_stored(db_client: FlaskClient, consent: Any) -> None:
    intake = new_intake(db_client)
    body = submission(consent=consent)
    if consent is None:
        del body["consent"]
    response = submit(db_client, intake["id"], body)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert list(response.json["errors"]) == ["consent"]
    assert db_client.get("/v1/submissions", headers=as_org("acme")).json["items"] == []


def test_invalid_answers_get_the_problem_of_v1_screenings(db_client: FlaskClient) -> None:
    intake = new_intake(db_client)
    bad = {**VALID_ANSWERS, "sex": "robot", "sumo_days_per_week": 99}
    response = submit(db_client, intake["id"], submission(answers=bad))
    direct = db_client.post("/v1/screenings", json=bad)
    assert (response.status_code, response.json) == (direct.status_code, direct.json)


@pytest.mark.parametrize(("athlete", "field"), [
    ({}, "athlete.name"),
    ({"name": ""}, "athlete.name"),
    ({"name": "x" * 201}, "athlete.name"),
    ({"name": "Sam", "email": "not-an-email"}, "athlete.email"),
    ({"name": "Sam", "phone": "123"}, "athlete.phone"),
])
def test_bad_athlete_fields_are_named(db_client: FlaskClient, athlete: dict[str, Any], field: str) -> None:
    response = submit(db_client, new_intake(db_client)["id"], submission(athlete=athlete))
    assert response.status_code == 422 and field in response.json["errors"]


def test_unknown_and_closed_intakes_take_no_submission(db_client: FlaskClient) -> None:
    assert submit(db_client, "itk_nothing").status_code == 404
    intake = new_intake(db_client)
    db_client.patch(f"/v1/intakes/{intake['id']}", json={"open": False}, headers=as_org("acme"))
    response = submit(db_client, intake["id"])
    assert response.status_code == 404 and response.mimetype == PROBLEM


def test_one_idempotency_key_stores_one_submission(db_client: FlaskClient) -> None:
    intake = new_intake(db_client)
    first = submit(db_client, intake["id"], **{"Idempotency-Key": "retry-1"})
    again = submit(db_client, intake["id"], **{"Idempotency-Key": "retry-1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    other = submit(db_client, intake["id"], submission(athlete={"name": "Kim"}), **{"Idempotency-Key": "retry-1"})
    assert other.status_code == 409 and "Idempotency-Key" in other.json["errors"]
    assert len(db_client.get("/v1/submissions", headers=as_org("acme")).json["items"]) == 1


def test_the_public_form_data_of_an_intake(db_client: FlaskClient) -> None:
    intake = new_intake(db_client)
    shown = db_client.get(f"/v1/intakes/{intake['id']}/form").json
    assert shown == {"id": intake["id"], "title": "Spring tryouts", "organization": "acme",
                     "retention_days": 365, "open": True}
    assert db_client.get("/v1/intakes/itk_nothing/form").status_code == 404


NO_MOVEMENT = {key: value for key, value in VALID_ANSWERS.items() if key not in ("hip_pinch", "hip_ir")}


@pytest.mark.parametrize(("reason", "urgency", "caution"), [
    ({"structural_conditions": ["hip_replacement"]}, "routine", "hip_replacement_precautions"),
    ({"red_flags": ["numbness_or_weakness"]}, "urgent", "red_flag"),
])
def test_a_submission_ruled_out_before_moving_is_stored_without_the_movement_answers(
        db_client: FlaskClient, reason: dict[str, Any], urgency: str, caution: str) -> None:
    answers = {**NO_MOVEMENT, **reason}
    response = submit(db_client, new_intake(db_client)["id"], submission(answers=answers))
    assert response.status_code == 201, response.json
    screening = response.json["screening"]
    assert (screening["decision"], screening["refer"], screening["refer_urgency"]) == ("not_recommended", True, urgency)
    assert caution in [item["code"] for item in screening["cautions"]]
    previewed = db_client.post("/v1/screenings/preview", json=answers).json["screening"]
    assert {**screening, "id": None} == {**previewed, "id": None}
    stored = db_client.get(f"/v1/submissions/{response.json['id']}", headers=as_org("acme")).json
    assert "hip_pinch" not in stored["answers"] and stored["answers"]["hip_ir"] == "not_tested"
    assert {key: stored["answers"][key] for key in answers} == answers
    assert stored["screening"] == screening and stored["refer_urgency"] == urgency


@pytest.mark.parametrize(("answers", "named"), [
    ({**VALID_ANSWERS, "hip_pinch": None}, ["hip_pinch"]),  # nothing rules moving out
    ({key: value for key, value in VALID_ANSWERS.items() if key != "hip_pinch"}, ["hip_pinch"]),
    ({key: value for key, value in NO_MOVEMENT.items() if key != "age"} | {"red_flags": ["unwell"]},
     ["age", "hip_pinch"]),
    # A required answer its show_if asks for is missing too: named once the others are in, as by /v1/screenings.
    ({**NO_MOVEMENT, "structural_conditions": ["hip_replacement"], "pain_areas": ["hip"]}, ["hip_pinch"]),
])
def test_a_submission_missing_a_movement_answer_that_could_matter_is_refused_as_by_v1_screenings(
        db_client: FlaskClient, answers: dict[str, Any], named: list[str]) -> None:
    answers = {key: value for key, value in answers.items() if value is not None}
    response = submit(db_client, new_intake(db_client)["id"], submission(answers=answers))
    direct = db_client.post("/v1/screenings", json=answers)
    assert response.status_code == 422 and sorted(response.json["errors"]) == sorted(named)
    assert response.json == direct.json
    assert db_client.get("/v1/submissions", headers=as_org("acme")).json["items"] == []
