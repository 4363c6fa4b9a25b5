"""Submissions under load on the real server (gunicorn, 2 workers): none lost, none doubled, even through kill -9."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import ORG_KEYS, VALID_ANSWERS, as_org, free_port
from flask import Flask
from test_web_intakes import new_intake

pytestmark = pytest.mark.slow

SUBMISSIONS = 2000
CONNECTIONS = 32
GUNICORN = Path(sys.executable).with_name("gunicorn")
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def gunicorn(database_url: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "2", "SERVICE_DATABASE_URL": database_url,
           "SERVICE_API_KEYS": ",".join(f"{name}:{key}" for name, key in ORG_KEYS.items()),
           "SERVICE_ANON_RATE_LIMIT": "none", "SERVICE_KEY_RATE_LIMIT": "none", "SERVICE_ACCESS_LOG": "false"}
    server = subprocess.Popen([str(GUNICORN), "--config", "python:service.gunicorn_conf", "service:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not ready(port):
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def ready(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/readyz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


class Client:
    """One keep-alive connection that retries a submission, with its key, until it gets a 201."""

    def __init__(self, port: int, intake_id: str) -> None:
        self.port, self.path = port, f"/v1/intakes/{intake_id}/submissions"
        self.connection: http.client.HTTPConnection | None = None
        self.retries = 0

    def submit(self, number: int) -> str:
        body = json.dumps({"answers": VALID_ANSWERS, "athlete": {"name": f"Athlete {number}"}, "consent": True})
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"load-{number}"}
        while True:
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.connection.request("POST", self.path, body, headers)
                response = self.connection.getresponse()
                reply = response.read()
                if response.status == 201:
                    return str(json.loads(reply)["id"])
                assert response.status in (502, 503), (response.status, reply)
            except (OSError, http.client.HTTPException):
                self.close()  # the worker went away mid-request: a new connection, the same key
            self.retries += 1
            time.sleep(0.05)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def load(port: int, intake_id: str, halfway: Any = None) -> tuple[set[str], int]:
    """Send SUBMISSIONS over CONNECTIONS connections; `halfway` runs once half of them got a 201."""
    clients = [Client(port, intake_id) for _ in range(CONNECTIONS)]
    done, lock, fired = [0], threading.Lock(), threading.Event()

    def run(client: Client) -> list[str]:
        ids = []
        for number in range(clients.index(client), SUBMISSIONS, CONNECTIONS):
            ids.append(client.submit(number))
            with lock:
                done[0] += 1
                if halfway and done[0] >= SUBMISSIONS // 2 and not fired.is_set():
                    fired.set()
                    halfway()
        return ids

    try:
        with ThreadPoolExecutor(CONNECTIONS) as pool:
            ids = [sub for batch in pool.map(run, clients) for sub in batch]
    finally:
        for client in clients:
            client.close()
    assert len(ids) == SUBMISSIONS
    return set(ids), sum(client.retries for client in clients)


def stored_ids(app: Flask, intake_id: str) -> list[str]:
    client, ids, cursor = app.test_client(), [], ""
    while True:
        page = client.get(f"/v1/submissions?intake={intake_id}&limit=500{cursor}", headers=as_org("acme")).json
        ids += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            return ids
        cursor = f"&cursor={page['next_cursor']}"


@pytest.mark.parametrize("kill", [False, True], ids=["steady", "kill-9"])
def test_every_acknowledged_submission_is_stored_once(db_app: Flask, kill: bool) -> None:
    intake_id = new_intake(db_app.test_client())["id"]
    with gunicorn(db_app.config["DATABASE_URL"]) as (port, server):
        killed: list[int] = []

        def kill_a_worker() -> None:
            victim = workers(server.pid)[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

        acknowledged, retries = load(port, intake_id, kill_a_worker if kill else None)
        assert bool(killed) == kill
    stored = stored_ids(db_app, intake_id)
    assert len(stored) == len(set(stored)) == SUBMISSIONS  # none doubled, none lost
    assert set(stored) == acknowledged  # every 201 is stored; retries with one key stored one
    print(f"{SUBMISSIONS} submissions, {retries} retries, killed worker: {killed}")
