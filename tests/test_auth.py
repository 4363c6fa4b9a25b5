"""API keys: 401 / 200 / wrong key, public endpoints, key files and settings checked at start-up."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from test_api import assert_problem

from service import create_app
from service.errors import ConfigError
from service.web import auth

COACH_KEY = "coach-key-5b1f0e7c9a2d4e6f"
CLINIC_KEY = "clinic-key-0c8d2a4e6f1b3579"
KEYS = f"coach:{COACH_KEY},clinic:{CLINIC_KEY}"
PUBLIC_PATHS = ["/v1/questionnaire", "/healthz", "/readyz", "/docs", "/docs/init.js", "/openapi.json",
                "/openapi.yaml"]
# Wrong keys are throttled per address (tests/test_limits.py); here they must not run out.
NO_FAILURE_LIMIT = {"AUTH_FAIL_RATE_LIMIT": "none"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def keys_required() -> Flask:
    """A server that refuses requests without a key (SERVICE_ANON_RATE_LIMIT=0)."""
    return create_app({"TESTING": True, "API_KEYS": KEYS, "ANON_RATE_LIMIT": "0", "KEY_RATE_LIMIT": "none",
                       **NO_FAILURE_LIMIT})


@pytest.fixture(scope="module")
def keys_optional() -> Flask:
    return create_app({"TESTING": True, "API_KEYS": KEYS, "ANON_RATE_LIMIT": "none", "KEY_RATE_LIMIT": "none",
                       **NO_FAILURE_LIMIT})


def test_a_valid_key_is_served(keys_required: Flask, answers: dict[str, Any]) -> None:
    client = keys_required.test_client()
    assert client.post("/v1/screenings", json=answers, headers=bearer(COACH_KEY)).status_code == 200
    assert client.post("/v1/screenings/batch", json={"items": [answers]}, headers=bearer(CLINIC_KEY)).status_code == 200


def test_no_key_where_one_is_required_is_401_with_a_bearer_challenge(keys_required: Flask,
                                                                   answers: dict[str, Any]) -> None:
    for path, body in [("/v1/screenings", answers), ("/v1/screenings/batch", {"items": [answers]})]:
        response = keys_required.test_client().post(path, json=body)
        problem = assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="hip-ir-screening"'
        assert "Authorization: Bearer" in problem["detail"]


@pytest.mark.parametrize("app_name", ["keys_required", "keys_optional"])
def test_a_wrong_key_is_always_401(request: pytest.FixtureRequest, app_name: str, answers: dict[str, Any]) -> None:
    client = request.getfixturevalue(app_name).test_client()
    for key in ["wrong-key-0000000000000", COACH_KEY + "x", COACH_KEY[:-1], CLINIC_KEY.upper()]:
        response = client.post("/v1/screenings", json=answers, headers=bearer(key))
        assert assert_problem(response, 401)["detail"] == "The API key is not valid."
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("header", ["Basic Y29hY2g6a2V5", "Bearer", "Bearer   ", COACH_KEY, "Token " + COACH_KEY])
def test_an_authorization_header_that_is_not_bearer_is_401(keys_optional: Flask, header: str,
                                                           answers: dict[str, Any]) -> None:
    response = keys_optional.test_client().post("/v1/screenings", json=answers, headers={"Authorization": header})
    assert_problem(response, 401)
    assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]


def test_the_scheme_is_case_insensitive(keys_required: Flask, answers: dict[str, Any]) -> None:
    response = keys_required.test_client().post("/v1/screenings", json=answers,
                                                headers={"Authorization": f"bearer {COACH_KEY}"})
    assert response.status_code == 200


def test_without_a_key_requests_are_anonymous_when_keys_are_optional(keys_optional: Flask,
                                                                    answers: dict[str, Any]) -> None:
    assert keys_optional.test_client().post("/v1/screenings", json=answers).status_code == 200


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_endpoints_stay_public_even_with_a_wrong_key(keys_required: Flask, path: str) -> None:
    client = keys_required.test_client()
    assert client.get(path).status_code == 200
    assert client.get(path, headers=bearer("wrong-key-0000000000000")).status_code == 200


def test_cors_preflights_need_no_key(keys_required: Flask) -> None:
    response = keys_required.test_client().options("/v1/screenings")
    assert response.status_code == 200 and "POST" in response.headers["Allow"]


def test_metrics_need_a_key_by_default() -> None:
    """/metrics names every key and its traffic: finding 7 of issue 15."""
    client = create_app({"TESTING": True, "API_KEYS": KEYS}).test_client()
    response = client.get("/metrics", headers={"Origin": "https://elsewhere.example"})
    assert_problem(response, 401)
    assert "Access-Control-Allow-Origin" not in response.headers
    assert_problem(client.get("/metrics", headers=bearer("wrong-key-0000000000000")), 401)
    scraped = client.get("/metrics", headers={**bearer(CLINIC_KEY), "Origin": "https://elsewhere.example"})
    assert scraped.status_code == 200 and "Access-Control-Allow-Origin" not in scraped.headers
    assert client.get("/healthz").status_code == 200


def test_metrics_without_any_configured_key_stay_closed_and_say_how_to_open_them() -> None:
    problem = assert_problem(create_app({"TESTING": True}).test_client().get("/metrics"), 401)
    assert "SERVICE_METRICS_PUBLIC" in problem["detail"]


def test_metrics_can_be_made_public() -> None:
    client = create_app({"TESTING": True, "API_KEYS": KEYS, "METRICS_PUBLIC": True}).test_client()
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", headers=bearer("wrong-key-0000000000000")).status_code == 200


def test_keys_can_come_from_a_file(tmp_path: Path, answers: dict[str, Any]) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(f"# one name:key per line\n\ncoach:{COACH_KEY}\n  clinic:{CLINIC_KEY}  \n")
    client = create_app({"TESTING": True, "API_KEYS_FILE": str(key_file), "API_KEYS": "gym:gym-key-77aa88bb99cc",
                         "ANON_RATE_LIMIT": "0"}).test_client()
    for key in [COACH_KEY, CLINIC_KEY, "gym-key-77aa88bb99cc"]:
        assert client.post("/v1/screenings", json=answers, headers=bearer(key)).status_code == 200


def test_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch, answers: dict[str, Any]) -> None:
    monkeypatch.setenv("SERVICE_API_KEYS", KEYS)
    monkeypatch.setenv("SERVICE_ANON_RATE_LIMIT", "0")
    client = create_app({"TESTING": True}).test_client()
    assert_problem(client.post("/v1/screenings", json=answers), 401)
    assert client.post("/v1/screenings", json=answers, headers=bearer(COACH_KEY)).status_code == 200


def test_keys_that_share_a_name_are_one_client() -> None:
    keys = auth.load_keys({"API_KEYS": f"coach:{COACH_KEY},coach:{CLINIC_KEY}"})
    assert keys.name_for(COACH_KEY) == keys.name_for(CLINIC_KEY) == "coach"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"API_KEYS": "coach"}, "name:key"),
        ({"API_KEYS": "coach:short"}, "at least 16"),
        ({"API_KEYS": "coach:has a space in the key"}, "at least 16"),
        ({"API_KEYS": "bad name:0123456789abcdef0"}, "name:key"),
        ({"API_KEYS": f"coach:{COACH_KEY},clinic:{COACH_KEY}"}, "same key"),
        ({"API_KEYS_FILE": "/nonexistent/keys"}, "cannot read"),
        ({"ANON_RATE_LIMIT": "0"}, "no key is configured"),
        ({"AUTH_FAIL_RATE_LIMIT": "0"}, "SERVICE_AUTH_FAIL_RATE_LIMIT"),
        ({"ANON_RATE_LIMIT": "sixty a minute"}, "SERVICE_ANON_RATE_LIMIT"),
        ({"KEY_RATE_LIMIT": "0"}, "SERVICE_KEY_RATE_LIMIT"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_problem(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        auth.policy_from({"API_KEYS": "", "ANON_RATE_LIMIT": "60/minute", "KEY_RATE_LIMIT": "none",
                          "AUTH_FAIL_RATE_LIMIT": "none", "METRICS_PUBLIC": False, **config})


def test_a_bad_key_setting_is_reported_without_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as error:
        auth.policy_from({"API_KEYS": "coach:secretbutshort", "ANON_RATE_LIMIT": "none", "KEY_RATE_LIMIT": "none",
                          "AUTH_FAIL_RATE_LIMIT": "none", "METRICS_PUBLIC": False})
    assert "secretbutshort" not in str(error.value)


def test_every_known_key_is_compared_whichever_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = auth.load_keys({"API_KEYS": KEYS + ",gym:gym-key-77aa88bb99cc"})
    compared: list[bytes] = []
    compare_digest = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append(b)
        return compare_digest(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    assert keys.name_for(COACH_KEY) == "coach"
    assert keys.name_for("no-such-key-00000000") is None
    assert len(compared) == 6 and all(len(digest) == 32 for digest in compared)
