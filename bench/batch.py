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
    env = {"WEB_CONCURRENCY": "1", "SERVICE_MAX_BODY_BYTES": str(max(map(len, batches)))}
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
    connection.request("POST", PATH, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    seconds = time.perf_counter() - start
    if response.status != 200:
        return response.status, seconds, 0
    results = json.loads(data)["results"]
    failed = sum(1 for item in results if not item.get("ok")) + BATCH_SIZE - len(results)
    return response.status, seconds, failed
