"""Stored submissions per second and their p99, on SQLite and PostgreSQL, under `make run` with 2 workers."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from service.intake import migrate
from service.intake.storage import Store

from . import load, servers

WORKERS = "2"
KEY = "bench-key-000000000000001"
POSTGRES_URL_VARIABLES = ("BENCH_POSTGRES_URL", "TEST_POSTGRES_URL")


@dataclass(frozen=True)
class Figures:
    database: str
    runs: list[load.Run]
    screening_runs: list[load.Run]
    """POST /v1/screenings on the same server, each run just before a submissions run."""
    stored: int

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)

    def ratio(self, attribute: str) -> float:
        """Median over the rounds of submissions / screenings."""
        return statistics.median(getattr(run, attribute) / getattr(screening, attribute)
                                 for run, screening in zip(self.runs, self.screening_runs, strict=True))

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)


def postgres_url() -> str | None:
    return next((os.environ[name] for name in POSTGRES_URL_VARIABLES if os.environ.get(name)), None)


def write_bodies(path: Path, sets: list[dict[str, object]]) -> Path:
    with open(path, "w") as output:
        for number, answers in enumerate(sets):
            body = {"answers": answers, "athlete": {"name": f"Bench athlete {number}"}, "consent": True}
            output.write(json.dumps(body, separators=(",", ":")) + "\n")
    return path


def measure(database_url: str, sets: list[dict[str, object]], answer_bodies: Path, rounds: int, seconds: float,
            connections: int) -> Figures:
    """`rounds` of a screenings run then a submissions run; the stored count is read back afterwards."""
    store = Store(database_url)
    migrate.upgrade(store)
    env = {"WEB_CONCURRENCY": WORKERS, "SERVICE_DATABASE_URL": database_url, "SERVICE_API_KEYS": f"bench:{KEY}",
           "SERVICE_ACCESS_LOG": "false"}
    bodies = write_bodies(servers.RESULTS / "submissions.jsonl", sets)
    with servers.running(servers.SERVICE_APP, env) as server:
        intake = _post(f"{server.url}/v1/intakes", {"title": "Bench", "retention_days": 1})["id"]
        path = f"/v1/intakes/{intake}/submissions"
        load.wrk(server.url, path, bodies, 1, connections)  # warm the caches and the pool
        runs, screening_runs = [], []
        for _ in range(rounds):
            screening_runs.append(load.wrk(server.url, "/v1/screenings", answer_bodies, seconds, connections))
            runs.append(load.wrk(server.url, path, bodies, seconds, connections))
        stored = _count(server.url, intake)
    store.engine.dispose()
    return Figures(store.dialect, runs, screening_runs, stored)


def sqlite_url(directory: str) -> str:
    return f"sqlite:///{Path(directory) / 'bench.sqlite3'}"


def temporary_directory() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="bench-intake-")


def _post(url: str, body: dict[str, object]) -> dict[str, str]:
    request = urllib.request.Request(url, json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        reply: dict[str, str] = json.load(response)
        return reply


def _count(url: str, intake: str) -> int:
    count, cursor = 0, ""
    while True:
        request = urllib.request.Request(f"{url}/v1/submissions?intake={intake}&limit=500{cursor}",
                                         headers={"Authorization": f"Bearer {KEY}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            page = json.load(response)
        count += len(page["items"])
        if not page["next_cursor"]:
            return count
        cursor = f"&cursor={page['next_cursor']}"
