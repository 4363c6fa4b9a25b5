"""Metrics, request ids and the JSON access log; metrics summed over gunicorn workers."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import gunicorn_server
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from service import create_app

KEY = "coach-key-5b1f0e7c9a2d4e6f"
REPO = Path(__file__).resolve().parent.parent


def scrape(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text page, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def observed_app() -> Flask:
    return create_app({"TESTING": True, "API_KEYS": f"coach:{KEY}", "ANON_RATE_LIMIT": "none",
                       "KEY_RATE_LIMIT": "none", "METRICS_PUBLIC": True})


def access_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The access log lines written to stderr since the last call, parsed."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]


def test_metrics_move_after_requests(observed_app: Flask, answers: dict[str, Any]) -> None:
    client = observed_app.test_client()
    before = scrape(client.get("/metrics").get_data(as_text=True))
    client.post("/v1/screenings", json=answers)
    client.post("/v1/screenings", json={**answers, "structural_conditions": ["labral_tear"]},
                headers={"Authorization": f"Bearer {KEY}"})
    client.post("/v1/screenings", json={"sex": 1})
    client.post("/v1/screenings/batch", json={"items": [answers, answers, {"sex": 1}]})
    client.get("/no/such/path")
    after = scrape(client.get("/metrics").get_data(as_text=True))

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "hip_screening_http_requests_total"
    screenings = "/v1/screenings"
    assert moved(requests, route=screenings, method="POST", status="200", client="anonymous") == 1
    assert moved(requests, route=screenings, method="POST", status="200", client="coach") == 1
    assert moved(requests, route=screenings, method="POST", status="422", client="anonymous") == 1
    assert moved(requests, route="/v1/screenings/batch", method="POST", status="200", client="anonymous") == 1
    assert moved(requests, route="<unmatched>", method="GET", status="404", client="anonymous") == 1
    assert moved("hip_screening_screenings_total", decision="recommended") == 3
    assert moved("hip_screening_screenings_total", decision="not_recommended") == 1
    assert moved("hip_screening_batch_items_count") == 1
    assert moved("hip_screening_batch_items_sum") == 3
    assert moved("hip_screening_http_request_duration_seconds_count", route=screenings, method="POST") == 3
    assert moved("hip_screening_http_request_duration_seconds_sum", route=screenings, method="POST") > 0
    rules_version = observed_app.extensions["screening"].rulebook.rules_version
    assert value(after, "hip_screening_rules_info", rules_version=rules_version) == 1


def test_a_sane_request_id_is_echoed(observed_app: Flask) -> None:
    for request_id in ["abc-123", "0f8e1f3c-6a65-4f5e-b7a4-8f5f3a9c2d11", "Root=1-5759e988-bd862e3f", "x" * 128]:
        response = observed_app.test_client().get("/healthz", headers={"X-Request-ID": request_id})
        assert response.headers["X-Request-ID"] == request_id


@pytest.mark.parametrize("request_id", ["", "x" * 129, "has space", "semi;colon", "-leading-dash", "ünïcode",
                                        "new\\nline"])
def test_an_unsafe_request_id_is_replaced(observed_app: Flask, request_id: str) -> None:
    response = observed_app.test_client().get("/healthz", headers={"X-Request-ID": request_id})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_every_response_gets_its_own_request_id(observed_app: Flask, answers: dict[str, Any]) -> None:
    client = observed_app.test_client()
    responses = [client.get("/healthz"), client.post("/v1/screenings", json=answers), client.get("/nowhere"),
                 client.post("/v1/screenings", data="{", content_type="application/json")]
    ids = {response.headers["X-Request-ID"] for response in responses}
    assert len(ids) == 4


def test_one_json_log_line_per_request_with_the_key_name_never_the_key(
        observed_app: Flask, answers: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    client = observed_app.test_client()
    access_lines(capsys)
    screened = client.post("/v1/screenings", json=answers,
                           headers={"Authorization": f"Bearer {KEY}", "X-Request-ID": "req-1"})
    client.post("/v1/screenings", json={"sex": 1}, headers={"X-Request-ID": "req-2"})
    client.post("/v1/screenings", json=answers, headers={"Authorization": "Bearer not-a-key-000000000"})
    lines = access_lines(capsys)
    assert len(lines) == 3
    first, second, third = lines
    assert {"time", "request_id", "method", "path", "route", "status", "duration_ms", "client"} <= set(first)
    assert (first["request_id"], first["status"], first["client"], first["route"]) == ("req-1", 200, "coach",
                                                                                       "/v1/screenings")
    assert first["screening_id"] == screened.get_json()["id"] and "screening_id" not in second  # the reference
    assert (second["request_id"], second["status"], second["client"]) == ("req-2", 422, "anonymous")
    assert (third["status"], third["client"]) == (401, "anonymous")
    assert KEY not in json.dumps(lines) and "not-a-key" not in json.dumps(lines)


def test_the_access_log_can_be_turned_off(capsys: pytest.CaptureFixture[str]) -> None:
    client = create_app({"TESTING": True, "ACCESS_LOG": False}).test_client()
    access_lines(capsys)
    client.get("/healthz")
    assert access_lines(capsys) == []


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Connection": "close", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def post(port: int, path: str, body: Any) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body=json.dumps(body),
                           headers={"Connection": "close", "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.mark.slow
def test_metrics_are_summed_over_gunicorn_workers_even_after_they_exit(tmp_path: Path,
                                                                      answers: dict[str, Any]) -> None:
    """Workers recycle every 4 requests: 12 requests go through at least 3 processes."""
    # As `make run` does it: gunicorn_conf makes the metrics directory (in TMPDIR) and removes it.
    with gunicorn_server(tmp_path, GUNICORN_MAX_REQUESTS="4", SERVICE_METRICS_PUBLIC="true") as (port, log_path):
        for number in range(12):
            assert get(port, "/healthz", {"X-Request-ID": f"probe-{number}"})[0] == 200
        for _ in range(3):
            assert post(port, "/v1/screenings", answers) == 200
        status, page = get(port, "/metrics")
    assert status == 200
    samples = scrape(page)
    assert value(samples, "hip_screening_http_requests_total", route="/healthz", method="GET", status="200",
                 client="anonymous") == 12
    assert value(samples, "hip_screening_screenings_total", decision="recommended") == 3
    rules_info = [key for key in samples if key[0] == "hip_screening_rules_info"]
    assert len(rules_info) == 1 and samples[rules_info[0]] == 1
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    assert {line["request_id"] for line in lines if line["path"] == "/healthz"} == {f"probe-{n}" for n in range(12)}
    worker_pids = {match.group(1) for match in re.finditer(r"Booting worker with pid: (\d+)", log_path.read_text())}
    assert len(worker_pids) >= 3
    assert not list(tmp_path.glob("hip-screening-metrics-*"))


@pytest.mark.slow
def test_an_operators_metrics_directory_is_emptied_at_start(tmp_path: Path) -> None:
    """Files of an earlier run would add their counts to this run's."""
    (tmp_path / "counter_4242.db").write_bytes(b"an earlier run")
    (tmp_path / "notes.txt").write_text("not ours")
    probe = ("import service.gunicorn_conf, prometheus_client.values as v; "
             "print(v.ValueClass is not v.MutexValue)")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True,
                            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    assert result.stdout.strip() == "True"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
