"""HTTP contract of the v1 API and its error paths, as a client sees them."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from service import create_app

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json(force=True)
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


def test_a_screening_follows_the_contract(client: FlaskClient, answers: dict[str, Any]) -> None:
    response = client.post("/v1/screenings", json=answers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == [
        "id", "recommended", "decision", "refer", "refer_urgency", "variant", "timing", "preparation",
        "cautions", "rationale", "rules_version",
    ]
    assert body["id"].startswith("scr_")
    assert (body["decision"], body["recommended"], body["refer"]) == ("recommended", True, False)
    assert body["variant"]["code"] == "feet_on_wall" and body["variant"]["alternative"] == "feet_on_floor"
    assert [t["code"] for t in body["timing"]] == ["before_training", "after_training"]
    assert [p["code"] for p in body["preparation"]] == ["soft_tissue_first"]
    assert {c["code"] for c in body["cautions"]} == {"gentle_range", "stop_if_pinching"}
    assert all(item["text"] for item in body["rationale"])


def test_each_screening_gets_its_own_id(client: FlaskClient, answers: dict[str, Any]) -> None:
    ids = {client.post("/v1/screenings", json=answers).get_json()["id"] for _ in range(3)}
    assert len(ids) == 3


def test_a_contraindication_is_refused_and_referred(client: FlaskClient, answers: dict[str, Any]) -> None:
    body = client.post("/v1/screenings", json={**answers, "structural_conditions": ["labral_tear"]}).get_json()
    assert (body["decision"], body["recommended"], body["refer"]) == ("not_recommended", False, True)
    assert body["variant"] is None and body["timing"] == []
    assert [(c["code"], c["severity"]) for c in body["cautions"]] == [("structural_restriction", "stop")]


def test_invalid_answers_get_422_naming_every_bad_field(client: FlaskClient) -> None:
    # Some safety answers given, so that the problems stay within the 10 a response lists.
    given = {"red_flags": [], "age": 30, "recent_surgery": [], "recent_injury": False, "pain_areas": ["hip"]}
    response = client.post("/v1/screenings", json={**given, "sex": "woman", "pain_severity": "5", "extra": 1})
    body = assert_problem(response, 422)
    assert body["title"] == "Invalid answers"
    assert set(body["errors"]) == {"sex", "pain_severity", "extra", "lifting_style", "prior_soft_tissue_work",
                                   "structural_conditions", "hip_pinch"}
    assert body["errors"]["pain_severity"] == ["Not a valid integer."]


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"sex": }', b"\xff\xfe", b"", b"[" * 30_000 + b"]" * 30_000],
    ids=["truncated", "bad-token", "not-utf8", "empty", "deeply-nested"],
)
def test_malformed_json_is_400(client: FlaskClient, body: bytes) -> None:
    response = client.post("/v1/screenings", data=body, content_type="application/json")
    assert assert_problem(response, 400)["title"] == "Malformed JSON"


def test_huge_numbers_are_422_not_a_crash(client: FlaskClient, answers: dict[str, Any]) -> None:
    raw = json.dumps(answers)[:-1] + ', "pain_severity": ' + "9" * 5000 + "}"
    response = client.post("/v1/screenings", data=raw, content_type="application/json")
    assert assert_problem(response, 422)["errors"] == {"pain_severity": ["Number too large."]}
    raw = json.dumps(answers)[:-1] + ', "pain_severity": 1e999}'
    response = client.post("/v1/screenings", data=raw, content_type="application/json")
    assert assert_problem(response, 422)["errors"] == {"pain_severity": ["Not a valid integer."]}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_415(client: FlaskClient, content_type: str | None) -> None:
    response = client.post("/v1/screenings", data="sex=male", content_type=content_type)
    assert "application/json" in assert_problem(response, 415)["detail"]


def test_a_body_over_the_limit_is_413(client: FlaskClient, answers: dict[str, Any]) -> None:
    padded = json.dumps({**answers, "padding": "x" * 70_000})
    response = client.post("/v1/screenings", data=padded, content_type="application/json")
    assert_problem(response, 413)


def test_the_body_limit_is_configurable_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                              answers: dict[str, Any]) -> None:
    monkeypatch.setenv("SERVICE_MAX_BODY_BYTES", "100")
    client = create_app({"TESTING": True}).test_client()
    assert_problem(client.post("/v1/screenings", json={**answers, "sports": ["running"] * 5}), 413)


def test_unknown_path_is_404(client: FlaskClient) -> None:
    assert_problem(client.get("/v1/nothing-here"), 404)


def test_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.get("/v1/screenings")
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_a_server_fault_is_500_without_internals(app: Flask, answers: dict[str, Any],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: Any) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(app.extensions["screening"], "screen", broken)
    response = app.test_client().post("/v1/screenings", json=answers)
    body = assert_problem(response, 500)
    assert "secret" not in response.get_data(as_text=True)
    assert body["title"] == "Internal Server Error"


def test_bad_requests_do_not_change_what_later_requests_get(client: FlaskClient, answers: dict[str, Any]) -> None:
    def stable(body: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in body.items() if key != "id"}

    before = stable(client.post("/v1/screenings", json=answers).get_json())
    for bad in ({"sex": 1}, [answers], {**answers, "hip_ir": None}, {**answers, "sports": ["x"] * 200}):
        client.post("/v1/screenings", json=bad)
    client.post("/v1/screenings", data=b"[" * 10_000, content_type="application/json")
    assert stable(client.post("/v1/screenings", json=answers).get_json()) == before


def test_questionnaire_is_served_as_data(client: FlaskClient) -> None:
    body = client.get("/v1/questionnaire").get_json()
    assert body["rules_version"]
    assert [q["id"] for q in body["questions"]][:3] == ["red_flags", "age", "recent_surgery"]


def test_health_and_readiness(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"



@pytest.fixture(scope="module")
def live_server(shared_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, shared_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def post_chunked(address: str, body: bytes) -> tuple[int, str]:
    connection = http.client.HTTPConnection(address, timeout=10)
    chunks = (body[i : i + 8192] for i in range(0, len(body), 8192))
    connection.request("POST", "/v1/screenings", body=chunks, encode_chunked=True,
                       headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    response = connection.getresponse()
    result = response.status, response.getheader("Content-Type", "")
    connection.close()
    return result


def test_a_chunked_body_over_the_limit_is_413_not_truncated(live_server: str, answers: dict[str, Any]) -> None:
    """Without a Content-Length werkzeug cuts a chunked body at the limit without an error."""
    assert post_chunked(live_server, json.dumps({**answers, "padding": "x" * 70_000}).encode()) == (413, PROBLEM)
    assert post_chunked(live_server, json.dumps(answers).encode())[0] == 200
