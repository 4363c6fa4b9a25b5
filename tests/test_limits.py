"""Rate limits: 429 with Retry-After, quotas per key and per address, and counts shared through Redis."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from conftest import free_port
from flask import Flask
from flask.testing import FlaskClient
from test_api import assert_problem

from service import create_app
from service.errors import ConfigError
from service.web import counters as memory

KEY = "coach-key-5b1f0e7c9a2d4e6f"
OTHER_KEY = "clinic-key-0c8d2a4e6f1b3579"


def limited_app(**config: Any) -> Flask:
    return create_app({"TESTING": True, "API_KEYS": f"coach:{KEY},clinic:{OTHER_KEY}", "ANON_RATE_LIMIT": "3/minute",
                       "KEY_RATE_LIMIT": "5/minute", **config})


def screen(client: FlaskClient, answers: dict[str, Any], key: str | None = None, **environ: str) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post("/v1/screenings", json=answers, headers=headers, environ_base=environ)


def test_over_the_limit_is_429_problem_with_retry_after(answers: dict[str, Any]) -> None:
    client = limited_app().test_client()
    assert [screen(client, answers).status_code for _ in range(3)] == [200, 200, 200]
    response = screen(client, answers)
    problem = assert_problem(response, 429)
    assert problem["title"] == "Too Many Requests"
    assert "3 per 1 minute" in problem["detail"]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert f"retry in {retry_after} s" in problem["detail"]


def test_each_key_and_each_address_has_its_own_quota(answers: dict[str, Any]) -> None:
    client = limited_app().test_client()
    for _ in range(3):
        screen(client, answers)
    assert screen(client, answers).status_code == 429
    assert screen(client, answers, REMOTE_ADDR="10.0.0.2").status_code == 200
    assert [screen(client, answers, KEY).status_code for _ in range(6)] == [200] * 5 + [429]
    assert "the API key 'coach'" in screen(client, answers, KEY).get_json()["detail"]
    assert screen(client, answers, OTHER_KEY).status_code == 200


def test_a_quota_is_shared_by_the_limited_routes(answers: dict[str, Any]) -> None:
    client = limited_app(ANON_RATE_LIMIT="8/minute").test_client()
    screen(client, answers)
    assert client.post("/v1/screenings/batch", json={"items": [answers] * 5}).status_code == 200
    screen(client, answers)
    assert client.post("/v1/screenings/batch", json={"items": [answers]}).status_code == 200
    assert_problem(client.post("/v1/screenings/batch", json={"items": [answers]}), 429)
    assert_problem(screen(client, answers), 429)


def test_a_batch_of_n_items_costs_n_and_one_that_does_not_fit_costs_nothing(answers: dict[str, Any]) -> None:
    """Finding 2 of issue 15: a batch was one unit of the quota whatever its size."""
    client = limited_app(ANON_RATE_LIMIT="10/minute").test_client()
    response = client.post("/v1/screenings/batch", json={"items": [answers] * 4})
    assert response.status_code == 200 and response.headers["RateLimit-Remaining"] == "6"
    refused = client.post("/v1/screenings/batch", json={"items": [answers] * 7})
    assert "costs 7 requests" in assert_problem(refused, 429)["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert screen(client, answers).headers["RateLimit-Remaining"] == "4"  # the refused batch's first unit only
    keyed = client.post("/v1/screenings/batch", json={"items": [answers] * 5},
                        headers={"Authorization": f"Bearer {KEY}"})
    assert keyed.status_code == 200 and keyed.headers["RateLimit-Remaining"] == "0"


def test_limited_routes_say_their_quota_in_ratelimit_headers(answers: dict[str, Any]) -> None:
    client = limited_app().test_client()
    first = screen(client, answers)
    assert (first.headers["RateLimit-Limit"], first.headers["RateLimit-Remaining"]) == ("3", "2")
    assert 1 <= int(first.headers["RateLimit-Reset"]) <= 60
    for _ in range(2):
        screen(client, answers)
    over = screen(client, answers)
    assert over.status_code == 429 and over.headers["RateLimit-Remaining"] == "0"
    assert over.headers["RateLimit-Reset"] == over.headers["Retry-After"]
    assert "RateLimit-Limit" not in client.get("/v1/questionnaire").headers
    exposed = screen(client, answers, HTTP_ORIGIN="https://gym.example").headers["Access-Control-Expose-Headers"]
    assert "RateLimit-Remaining" in exposed


def test_wrong_keys_are_throttled_per_address_even_when_the_next_key_is_right(answers: dict[str, Any]) -> None:
    """Finding 4 of issue 15: thousands of wrong keys never met a 429."""
    client = limited_app(ANON_RATE_LIMIT="none", AUTH_FAIL_RATE_LIMIT="5/minute").test_client()
    statuses = [screen(client, answers, f"guess-{n:020d}").status_code for n in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    blocked = screen(client, answers, KEY)
    assert "failed API keys from this address" in assert_problem(blocked, 429)["detail"]
    assert screen(client, answers, KEY, REMOTE_ADDR="10.0.0.9").status_code == 200
    assert_problem(client.get("/metrics", headers={"Authorization": f"Bearer {KEY}"}), 429)


def test_wrong_keys_use_up_the_addresss_anonymous_quota(answers: dict[str, Any]) -> None:
    client = limited_app(AUTH_FAIL_RATE_LIMIT="none").test_client()
    assert [screen(client, answers, "wrong-key-000000000000").status_code for _ in range(4)] == [401] * 3 + [429]
    assert_problem(screen(client, answers), 429)
    assert screen(client, answers, KEY).status_code == 200


def test_public_endpoints_are_never_limited(answers: dict[str, Any]) -> None:
    client = limited_app(ANON_RATE_LIMIT="1/minute", METRICS_PUBLIC=True).test_client()
    screen(client, answers)
    assert screen(client, answers).status_code == 429
    for path in ["/v1/questionnaire", "/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"]:
        assert [client.get(path).status_code for _ in range(3)] == [200] * 3, path


def test_none_means_unlimited(answers: dict[str, Any]) -> None:
    client = limited_app(ANON_RATE_LIMIT="none", KEY_RATE_LIMIT="none").test_client()
    assert {screen(client, answers, key).status_code for key in [None, KEY] for _ in range(10)} == {200}


def test_several_windows_all_apply(answers: dict[str, Any]) -> None:
    client = limited_app(ANON_RATE_LIMIT="10/minute;2/hour").test_client()
    assert [screen(client, answers).status_code for _ in range(3)] == [200, 200, 429]


def test_rejected_requests_are_not_counted_against_a_key(answers: dict[str, Any]) -> None:
    client = limited_app(ANON_RATE_LIMIT="none").test_client()
    for _ in range(5):
        assert screen(client, answers, "wrong-key-000000000000").status_code == 401
    assert screen(client, answers, KEY).status_code == 200


def test_an_unknown_storage_stops_start_up() -> None:
    with pytest.raises(ConfigError, match="SERVICE_RATE_LIMIT_STORAGE"):
        limited_app(RATE_LIMIT_STORAGE="carrier-pigeon://loft")


def test_a_storage_that_is_down_does_not_take_the_api_down(answers: dict[str, Any],
                                                           caplog: pytest.LogCaptureFixture) -> None:
    client = limited_app(RATE_LIMIT_STORAGE=f"redis://127.0.0.1:{free_port()}/0").test_client()
    assert [screen(client, answers).status_code for _ in range(5)] == [200] * 5
    assert "rate limit storage unavailable" in caplog.text


def test_a_storage_down_at_start_is_said_at_start_and_by_readyz(answers: dict[str, Any],
                                                                caplog: pytest.LogCaptureFixture) -> None:
    """Finding 8 of issue 15: limits were silently off until traffic came."""
    client = limited_app(RATE_LIMIT_STORAGE=f"redis://127.0.0.1:{free_port()}/0").test_client()
    assert "cannot be reached at start" in caplog.text and "not limited" in caplog.text
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["rate_limits"] == "degraded"
    assert limited_app().test_client().get("/readyz").get_json()["rate_limits"] == "ok"


def test_a_storage_that_is_down_can_close_the_limited_routes(answers: dict[str, Any]) -> None:
    client = limited_app(RATE_LIMIT_STORAGE=f"redis://127.0.0.1:{free_port()}/0",
                         RATE_LIMIT_FAIL="closed").test_client()
    for _ in range(2):
        response = screen(client, answers)
        assert assert_problem(response, 503)["title"] == "Service Unavailable" and response.headers["Retry-After"]
    assert client.get("/readyz").status_code == 503
    assert client.get("/v1/questionnaire").status_code == 200
    with pytest.raises(ConfigError, match="SERVICE_RATE_LIMIT_FAIL"):
        limited_app(RATE_LIMIT_FAIL="sometimes")


def test_trusted_proxies_give_each_forwarded_client_its_own_quota(answers: dict[str, Any]) -> None:
    """Finding 10 of issue 15: behind a proxy every anonymous client shared the proxy's quota."""
    proxied = limited_app(TRUSTED_PROXIES=1).test_client()
    for client_address in ("203.0.113.7", "203.0.113.8"):
        statuses = [screen(proxied, answers, HTTP_X_FORWARDED_FOR=client_address).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
    spoofed = screen(proxied, answers, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    assert spoofed.status_code == 429  # only the last hop, the one our proxy added, is believed
    direct = limited_app().test_client()
    statuses = [screen(direct, answers, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]  # by default the header is ignored
    with pytest.raises(ConfigError, match="SERVICE_TRUSTED_PROXIES"):
        limited_app(TRUSTED_PROXIES="two")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server of our own, on a free port, gone after the tests."""
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing: .ci/run installs it with apt-get")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path_factory.mktemp("redis"))],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_two_instances_share_counts_through_redis(redis_url: str, answers: dict[str, Any]) -> None:
    first = limited_app(RATE_LIMIT_STORAGE=redis_url).test_client()
    second = limited_app(RATE_LIMIT_STORAGE=redis_url).test_client()
    statuses = [screen(client, answers).status_code for client in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]
    assert screen(first, answers).status_code == 429
    assert [screen(client, answers, KEY).status_code for client in (first, second) * 3] == [200] * 5 + [429]
    stored = redis.Redis.from_url(redis_url).keys("*hip-ir-screening*")
    assert stored and not any(KEY.encode() in name for name in stored)  # the key's name, never the key


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


def test_in_memory_counters_keep_windows_and_start_no_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(memory.time, "time", clock.time)
    counters = memory.ProcessCounters()
    threads = threading.active_count()
    assert [counters.incr("a", 60) for _ in range(3)] == [1, 2, 3]
    assert counters.get("a") == 3 and counters.get_expiry("a") == clock.now + 60
    clock.now += 59
    assert counters.incr("a", 60) == 4
    clock.now += 1
    assert counters.get("a") == 0 and counters.incr("a", 60) == 1  # a new window
    assert threading.active_count() == threads


def test_in_memory_counters_forget_callers_whose_windows_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(memory.time, "time", clock.time)
    counters = memory.ProcessCounters()
    for caller in range(500):
        counters.incr(f"addr:{caller}", 60)
    clock.now += 61
    for _ in range(memory.SWEEP_EVERY):
        counters.incr("addr:steady", 60)
    assert counters.reset() == 1  # only the caller of the current window was still held


def test_a_storage_password_stays_out_of_error_messages() -> None:
    with pytest.raises(ConfigError) as error:
        limited_app(RATE_LIMIT_STORAGE="redis+sentinel-typo://admin:hunter2@cache:6379/0")
    assert "hunter2" not in str(error.value) and "admin:***@cache:6379" in str(error.value)
    assert error.value.__cause__ is None and error.value.__suppress_context__
