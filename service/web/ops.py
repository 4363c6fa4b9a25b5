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
def readyz() -> dict[str, Any]:
    """Ready: create_app returns only once the rulebook is loaded, compiled and has passed its own examples."""
    return {"status": "ready", "rules_version": current_app.extensions["screening"].rulebook.rules_version}
