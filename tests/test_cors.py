"""CORS as a browser on another origin sees it: preflights, allowed origins, headers on every answer."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service import create_app
from service.web.cors import normalize_origin, policy_from_setting

GYM = "https://gym.example"
PREFLIGHT = {"Origin": GYM, "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type, authorization, x-request-id"}


@pytest.fixture(scope="module")
def restricted_app() -> Flask:
    return create_app({"TESTING": True, "CORS_ORIGINS": "https://gym.example, HTTPS://Clinic.Example:443"})


@pytest.mark.parametrize(("origin", "normalized"), [
    ("https://gym.example", "https://gym.example"),
    ("HTTPS://Gym.Example:443", "https://gym.example"),
    ("http://localhost:8080/", "http://localhost:8080"),
    ("http://[::1]:80", "http://[::1]"),
    ("https://gym.example/intake", ""),
    ("https://user@gym.example", ""),
    ("ftp://gym.example", ""),
    ("null", ""),
    ("https://gym.example:99999", ""),
])
def test_origins_are_compared_as_browsers_write_them(origin: str, normalized: str) -> None:
    assert normalize_origin(origin) == normalized


@pytest.mark.parametrize(("setting", "origins"), [
    ("*", None),
    (" * ", None),
    ("https://gym.example https://clinic.example:8443", {"https://gym.example", "https://clinic.example:8443"}),
    ("https://gym.example,https://clinic.example", {"https://gym.example", "https://clinic.example"}),
    (["https://gym.example"], {"https://gym.example"}),
])
def test_the_setting_lists_origins_or_allows_any(setting: Any, origins: set[str] | None) -> None:
    policy = policy_from_setting(setting)
    assert policy.origins == (None if origins is None else frozenset(origins))


@pytest.mark.parametrize(("setting", "message"), [
    ("", "CORS_ORIGINS is empty"),
    ("https://gym.example/intake, gym.example", "not an origin .*: https://gym.example/intake, gym.example"),
    ("*, https://gym.example", "'\\*' already allows every origin"),
    (42, "must be '\\*' or a list of origins"),
])
def test_a_bad_setting_stops_start_up_naming_the_problem(setting: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create_app({"TESTING": True, "CORS_ORIGINS": setting})


@pytest.mark.parametrize(("value", "allowed"), [
    ("https://gym.example https://clinic.example", "https://clinic.example"),
    ('["https://gym.example", "https://clinic.example"]', "https://clinic.example"),
])
def test_the_environment_sets_the_origins(monkeypatch: pytest.MonkeyPatch, value: str, allowed: str) -> None:
    monkeypatch.setenv("SERVICE_CORS_ORIGINS", value)
    client = create_app({"TESTING": True}).test_client()
    assert client.get("/healthz", headers={"Origin": allowed}).headers["Access-Control-Allow-Origin"] == allowed
    assert "Access-Control-Allow-Origin" not in client.get("/healthz", headers={"Origin": "https://x.example"}).headers


def test_by_default_any_origin_may_preflight_and_post(client: FlaskClient, answers: dict[str, Any]) -> None:
    preflight = client.options("/v1/screenings", headers=PREFLIGHT)
    assert preflight.status_code == 204 and preflight.data == b""
    assert "Content-Type" not in preflight.headers
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"].split(", ")
    allowed = "Content-Type, Authorization, X-Request-ID, Idempotency-Key"
    assert preflight.headers["Access-Control-Allow-Headers"] == allowed
    assert preflight.headers["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Allow-Credentials" not in preflight.headers

    response = client.post("/v1/screenings", json=answers, headers={"Origin": GYM})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = ("X-Request-ID, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, "
               "Location, Idempotent-Replayed")
    assert response.headers["Access-Control-Expose-Headers"] == exposed
    assert "Origin" not in response.vary  # the same answer for every origin


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), [
    ("post", "/v1/screenings", {"json": {"sex": "woman"}}, 422),
    ("post", "/v1/screenings", {"data": "{", "content_type": "application/json"}, 400),
    ("get", "/v1/screenings", {}, 405),
    ("get", "/nowhere", {}, 404),
])
def test_errors_are_readable_from_other_origins_too(client: FlaskClient, method: str, path: str,
                                                    kwargs: dict[str, Any], status: int) -> None:
    response = getattr(client, method)(path, headers={"Origin": GYM}, **kwargs)
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_for_an_unknown_path_is_a_404(client: FlaskClient) -> None:
    response = client.options("/v1/nothing", headers=PREFLIGHT)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_a_preflight_names_only_the_methods_the_path_has(client: FlaskClient) -> None:
    response = client.options("/v1/questionnaire", headers=PREFLIGHT)
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_requests_without_an_origin_get_no_cors_headers(client: FlaskClient, answers: dict[str, Any]) -> None:
    response = client.post("/v1/screenings", json=answers)
    assert not [name for name, _ in response.headers if name.startswith("Access-Control-")]


def test_listed_origins_are_echoed_and_others_get_nothing(restricted_app: Flask, answers: dict[str, Any]) -> None:
    client = restricted_app.test_client()
    for origin in (GYM, "https://clinic.example"):
        response = client.post("/v1/screenings", json=answers, headers={"Origin": origin})
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert "Origin" in response.vary
        preflight = client.options("/v1/screenings", headers={**PREFLIGHT, "Origin": origin})
        assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == origin

    stranger = {"Origin": "https://elsewhere.example"}
    response = client.post("/v1/screenings", json=answers, headers=stranger)
    assert response.status_code == 200  # served, but the browser keeps the answer from the page
    assert "Access-Control-Allow-Origin" not in response.headers and "Origin" in response.vary
    preflight = client.options("/v1/screenings", headers={**PREFLIGHT, **stranger})
    assert not [name for name, _ in preflight.headers if name.startswith("Access-Control-")]
