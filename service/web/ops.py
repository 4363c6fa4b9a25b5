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
    """Ready once the rulebook is loaded, compiled and has passed its own examples."""
    screener = current_app.extensions.get("screening")
    if screener is None:
        return {"status": "starting"}, 503
    return {"status": "ready", "rules_version": screener.rulebook.rules_version}, 200
