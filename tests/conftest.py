from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from service import create_app
from service.rulebook import default_rules_dir

REPO = Path(__file__).resolve().parent.parent
VALID_ANSWERS: dict[str, Any] = {
    "sex": "male",
    "sports": ["strength"],
    "lifting_style": "sumo",
    "sumo_days_per_week": 5,
    "squats": True,
    "prior_soft_tissue_work": False,
    "hip_ir": "limited",
}


@pytest.fixture(scope="session")
def shared_app() -> Flask:
    """One app for read-only tests: building the engine costs more than a test.

    Its requests all come from one address, so the anonymous rate limit is off here, and
    anonymous batches may be as large as keyed ones; the limits are tested on apps of their
    own (tests/test_limits.py).
    """
    return create_app({"TESTING": True, "ANON_RATE_LIMIT": "none", "ANON_BATCH_MAX": 1000})


@pytest.fixture
def app(shared_app: Flask) -> Flask:
    return shared_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def answers() -> dict[str, Any]:
    return dict(VALID_ANSWERS)


def free_port() -> int:
    """A TCP port nobody listens on now, for a server a test starts itself."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def rules_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of rules/ for tests that break it on purpose."""
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    yield target


@contextlib.contextmanager
def running_server(argv: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None,
                   timeout: float = 90) -> Iterator[str]:
    """Start a server process listening on $PORT; yield its base URL once /readyz answers; stop it."""
    port = free_port()
    environment = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "2", "SERVICE_ACCESS_LOG": "false",
                   **(env or {})}
    log = cwd / f"server-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(list(argv), cwd=cwd, env=environment, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{argv} did not get ready:\n{log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/readyz", timeout=2) as ready:
                if ready.status == 200:
                    break
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def gunicorn_server(tmp_path: Path, **env: str) -> Iterator[tuple[int, Path]]:
    """The `make run` command on a free port, with HOME and TMPDIR in tmp_path; yields the port and its log."""
    port = free_port()
    environment = {**os.environ, "HOME": str(tmp_path), "TMPDIR": str(tmp_path), "WEB_CONCURRENCY": "2",
                   "SERVICE_ANON_RATE_LIMIT": "none", **env}
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    environment.pop("XDG_RUNTIME_DIR", None)
    log_path = tmp_path / f"gunicorn-{port}.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:service.gunicorn_conf",
             "--bind", f"127.0.0.1:{port}", "service:create_app()"],
            cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            assert server.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        yield port, log_path
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(b"GET /readyz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            return connection.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
