from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from service import create_app
from service.rulebook import default_rules_dir

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

    Its requests all come from one address, so the anonymous rate limit is off here; the
    limits are tested on apps of their own (tests/test_limits.py).
    """
    return create_app({"TESTING": True, "ANON_RATE_LIMIT": "none"})


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
