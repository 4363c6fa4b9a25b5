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
    """Ready: the rulebook passed its examples and the submission store answers; says whether limits count."""
    rate_limits = limits.state()
    refusing = rate_limits == "degraded" and not current_app.extensions["rate_limits"].fail_open
    database = current_app.extensions["intake_store"].ping()
    status = "unavailable" if refusing else "ready" if database else "database unavailable"
    body = {"status": status, "rules_version": current_app.extensions["screening"].rulebook.rules_version,
            "rate_limits": rate_limits, "database": "ok" if database else "unavailable"}
    return body, 200 if status == "ready" else 503
