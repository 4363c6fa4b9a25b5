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
from service.intake import migrate, model
from service.intake.storage import Store
from service.rulebook import default_rules_dir

REPO = Path(__file__).resolve().parent.parent

NO_REASON_NOT_TO_MOVE: dict[str, Any] = {
    "red_flags": [],
    "age": 30,
    "recent_surgery": [],
    "recent_injury": False,
    "structural_conditions": [],
    "pain_areas": [],
    "hip_pinch": False,
}
"""The safety answers of an athlete with none of them: every one is required."""

VALID_ANSWERS: dict[str, Any] = {
    **NO_REASON_NOT_TO_MOVE,
    "sex": "male",
    "sports": ["strength"],
    "lifting_style": "sumo",
    "sumo_days_per_week": 5,
    "squats": True,
    "prior_soft_tissue_work": False,
    "hip_ir": "limited",
}


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app for read-only tests: building the engine costs more than a test.

    Its requests all come from one address, so the anonymous rate limit is off here, and
    anonymous batches may be as large as keyed ones; the limits are tested on apps of their
    own (tests/test_limits.py).
    """
    database = tmp_path_factory.mktemp("shared") / "intake.sqlite3"
    return create_app({"TESTING": True, "ANON_RATE_LIMIT": "none", "ANON_BATCH_MAX": 1000,
                       "DATABASE_URL": f"sqlite:///{database}"})


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


# Storage tests run once per database: SQLite always, PostgreSQL when TEST_POSTGRES_URL names
# a database they may fill and empty (.ci/run starts one); without it they are skipped, and say so.
POSTGRES_URL_ENV = "TEST_POSTGRES_URL"
ORG_KEYS = {"acme": "acme-key-000000000001", "zeta": "zeta-key-000000000003"}
ACME_SECOND_KEY = "acme-key-000000000002"
STORAGE_CONFIG: dict[str, Any] = {
    "TESTING": True, "ANON_RATE_LIMIT": "none", "KEY_RATE_LIMIT": "none", "PURGE_CHECK_SECONDS": 0,
    "API_KEYS": ",".join([*(f"{name}:{key}" for name, key in ORG_KEYS.items()), f"acme:{ACME_SECOND_KEY}"]),
}


def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'intake.sqlite3'}"
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url and os.environ.get("CI"):
        pytest.fail(f"CI runs the storage tests on PostgreSQL too: .ci/run should have set {POSTGRES_URL_ENV}")
    if not url:
        pytest.skip(f"PostgreSQL half skipped: set {POSTGRES_URL_ENV}=postgresql+psycopg://... (.ci/run does)")
    return url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def storage_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app per database, its tables migrated from nothing; dropped again at the end."""
    url = database_url(request.param, tmp_path_factory)
    app = create_app({**STORAGE_CONFIG, "DATABASE_URL": url})
    store = app.extensions["intake_store"]
    drop_all(store)
    migrate.upgrade(store)
    yield app
    drop_all(store)
    store.engine.dispose()


def drop_all(store: Store) -> None:
    with store.engine.begin() as connection:
        for table in ("maintenance", "submissions", "intakes", "alembic_version"):
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


@pytest.fixture
def db_app(storage_app: Flask) -> Flask:
    """The storage app with empty tables."""
    with storage_app.extensions["intake_store"].engine.begin() as connection:
        for table in reversed(model.metadata.sorted_tables):
            connection.execute(table.delete())
    return storage_app


@pytest.fixture
def db_client(db_app: Flask) -> FlaskClient:
    return db_app.test_client()


def as_org(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ORG_KEYS[name]}"}
