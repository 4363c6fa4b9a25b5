"""Endpoints for operators and load balancers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from . import limits

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    """The process is up and serving."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """Ready once the rulebook has passed its examples; says whether rate limits can be counted."""
    rate_limits = limits.state()
    refusing = rate_limits == "degraded" and not current_app.extensions["rate_limits"].fail_open
    body = {"status": "unavailable" if refusing else "ready",
            "rules_version": current_app.extensions["screening"].rulebook.rules_version,
            "rate_limits": rate_limits}
    return body, 503 if refusing else 200
