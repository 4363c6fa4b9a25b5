"""Batch screening on one worker: POST /v1/screenings/batch with 1,000 answer sets at a time."""

from __future__ import annotations

import http.client
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import servers

PATH = "/v1/screenings/batch"
BATCH_SIZE = 1000
KEY = "bench-batch-key-0123456789"
# Full batches are for keyed callers; a quota that counts every item but that the bench cannot use up.
KEYED = {"SERVICE_API_KEYS": f"bench:{KEY}", "SERVICE_KEY_RATE_LIMIT": "1000000000/minute"}
HOSTILE_KEYS = 180  # unknown keys per item: each one a problem to report, as many as the body limit allows


@dataclass(frozen=True)
class Figures:
    available: bool
    status: int = 0
    cold_per_second: float = 0.0
    per_second: float = 0.0
    requests: int = 0
    failed_items: int = 0


def measure(answer_sets: Sequence[dict[str, Any]], rounds: int) -> Figures:
    batches = [
        json.dumps({"items": list(answer_sets[start:start + BATCH_SIZE])}).encode()
        for start in range(0, len(answer_sets) - BATCH_SIZE + 1, BATCH_SIZE)
    ]
    # The default body limit (64 KiB) is for single screenings; 1,000 answer sets are larger.
    env = {"WEB_CONCURRENCY": "1", "SERVICE_MAX_BODY_BYTES": str(max(map(len, batches))), **KEYED}
    with servers.running(servers.SERVICE_APP, env) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        status, _, _ = _post(connection, batches[0])
        if status == 404:
            return Figures(available=False, status=404)
        first_pass = [_post(connection, body) for body in batches]  # each answer class seen first here
        timed = [_post(connection, body) for _ in range(rounds) for body in batches]
        connection.close()
    statuses = {status for status, _, _ in first_pass + timed}
    if statuses != {200}:
        return Figures(available=True, status=max(statuses - {200}))
    return Figures(
        available=True,
        status=200,
        cold_per_second=BATCH_SIZE / statistics.median(seconds for _, seconds, _ in first_pass),
        per_second=BATCH_SIZE / statistics.median(seconds for _, seconds, _ in timed),
        requests=len(timed),
        failed_items=sum(failed for _, _, failed in first_pass + timed),
    )


def _post(connection: http.client.HTTPConnection, body: bytes) -> tuple[int, float, int]:
    """Status, seconds until the whole response was read, and items that did not succeed."""
    start = time.perf_counter()
    connection.request("POST", PATH, body, {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"})
    response = connection.getresponse()
    data = response.read()
    seconds = time.perf_counter() - start
    if response.status != 200:
        return response.status, seconds, 0
    results = json.loads(data)["results"]
    failed = sum(1 for item in results if not item.get("ok")) + BATCH_SIZE - len(results)
    return response.status, seconds, failed


@dataclass(frozen=True)
class Memory:
    body_bytes: int
    response_bytes: int
    warm_mb: float
    after_mb: float
    requests: int


def hostile_memory(warm_up: int = 3, requests: int = 20) -> Memory:
    """RSS of one worker before and after `requests` batches of 1,000 items of unknown keys only."""
    body = json.dumps({"items": [{f"x{n}": 0 for n in range(HOSTILE_KEYS)}] * BATCH_SIZE}).encode()
    with servers.running(servers.SERVICE_APP, {"WEB_CONCURRENCY": "1", **KEYED}) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        sizes = [_post_sized(connection, body) for _ in range(warm_up)]
        warm = server.rss_mb()
        sizes += [_post_sized(connection, body) for _ in range(requests)]
        after = server.rss_mb()
        connection.close()
    return Memory(len(body), max(sizes), warm, after, requests)


def _post_sized(connection: http.client.HTTPConnection, body: bytes) -> int:
    connection.request("POST", PATH, body, {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"})
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"hostile batch answered {response.status}: {data[:300]!r}")
    return len(data)
