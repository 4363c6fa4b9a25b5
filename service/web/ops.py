"""Endpoints for operators and load balancers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    """The process is up and serving."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """Ready: the rulebook passed its own examples (create_app saw to it) and the submission store answers."""
    rules_version = current_app.extensions["screening"].rulebook.rules_version
    if not current_app.extensions["intake_store"].ping():
        return {"status": "database unavailable", "rules_version": rules_version}, 503
    return {"status": "ready", "rules_version": rules_version}, 200
