from __future__ import annotations

import shutil
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
    """One app for read-only tests: building the engine costs more than a test."""
    return create_app({"TESTING": True})


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


@pytest.fixture
def rules_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of rules/ for tests that break it on purpose."""
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    yield target
