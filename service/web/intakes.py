"""Intakes over HTTP: the coach's /v1/intakes (by API key) and the athletes' public submissions."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request, url_for
from sqlalchemy.exc import DBAPIError

from ..errors import StorageUnavailable
from ..intake import intakes, migrate, retention, schemas, submissions
from ..intake.intakes import Intake
from ..intake.storage import Store
from ..intake.submissions import NewSubmission
from .api import previewer, screener
from .auth import key_required, organization, public
from .body import json_body
from .observability import count_screening

bp = Blueprint("intake", __name__, url_prefix="/v1")


def store() -> Store:
    intake_store: Store = current_app.extensions["intake_store"]
    return intake_store


def dump_intake(intake: Intake) -> dict[str, Any]:
    form_url = url_for("form.form_page", intake=intake.id, _external=True)
    script = url_for("form.embed_script", _external=True)
    return {
        "id": intake.id, "title": intake.title, "retention_days": intake.retention_days, "open": intake.open,
        "created_at": intake.created_at.isoformat(), "form_url": form_url,
        "embed_html": f'<div data-screening-form data-intake="{intake.id}"></div>\n<script src="{script}"></script>',
    }


@bp.post("/intakes")
@key_required
def create_intake() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Open a new intake for the caller's organization."""
    intake = intakes.create(store(), organization(), **schemas.new_intake(json_body()))
    return dump_intake(intake), 201, {"Location": url_for(".show_intake", intake_id=intake.id)}


@bp.get("/intakes")
@key_required
def list_intakes() -> dict[str, Any]:
    """The caller's intakes, newest first."""
    return {"items": [dump_intake(intake) for intake in intakes.list_for(store(), organization())]}


@bp.get("/intakes/<intake_id>")
@key_required
def show_intake(intake_id: str) -> dict[str, Any]:
    """One of the caller's intakes."""
    return dump_intake(intakes.get(store(), intake_id, organization()))


@bp.patch("/intakes/<intake_id>")
@key_required
def change_intake(intake_id: str) -> dict[str, Any]:
    """Change an intake's title, retention or whether it is open."""
    changes = schemas.intake_change(json_body())
    return dump_intake(intakes.change(store(), intake_id, organization(), changes))


@bp.delete("/intakes/<intake_id>")
@key_required
def delete_intake(intake_id: str) -> Response:
    """Delete an intake and every submission to it."""
    intakes.remove(store(), intake_id, organization())
    return Response(status=204)


@bp.get("/intakes/<intake_id>/form")
@public
def intake_form(intake_id: str) -> dict[str, Any]:
    """What the form shows an athlete: the title, who collects and for how long."""
    intake = intakes.get(store(), intake_id, None)
    return {"id": intake.id, "title": intake.title, "organization": intake.organization,
            "retention_days": intake.retention_days, "open": intake.open}


@bp.post("/intakes/<intake_id>/submissions")
def create_submission(intake_id: str) -> Response:
    """An athlete's answers, screened and stored for the intake's organization (with consent)."""
    key = schemas.idempotency_key(request.headers.get("Idempotency-Key"))
    payload = json_body()
    athlete, raw_answers = schemas.submission(payload)
    answers, entry = previewer().screen_intake(raw_answers)
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest() if key else None
    new = NewSubmission(athlete, answers, entry.json(), entry.outcome.decision,
                        entry.outcome.refer_urgency, screener().rulebook.rules_version, key, digest)
    stored, created = submissions.add(store(), intake_id, new)
    if created:
        count_screening(entry.outcome.decision)
    body = f'{{"id":"{stored.id}","screening":{stored.screening.rstrip()}}}\n'
    response = Response(body, status=201, mimetype="application/json")
    response.headers["Location"] = url_for("submissions.show_submission", submission_id=stored.id)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.after_request
def no_store(response: Response) -> Response:
    """Intakes and submissions carry athlete data: no cache may keep them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _purge_at_start(app: Flask, store: Store) -> None:
    try:
        deleted = retention.purge(store)
    except (StorageUnavailable, DBAPIError) as error:  # unreachable, or not migrated yet
        app.logger.warning("retention purge at start skipped: %s", type(error).__name__)
        return
    app.logger.info("retention purge at start deleted %d expired submission(s)", deleted)


def _migrate_embedded(app: Flask, store: Store) -> None:
    """The embedded SQLite default gets its tables on first start; a server database is migrated by its operator."""
    if store.dialect != "sqlite":
        return
    try:
        migrate.upgrade(store)
    except (StorageUnavailable, DBAPIError) as error:
        app.logger.warning("database migration at start skipped: %s", type(error).__name__)


def init_app(app: Flask) -> None:
    """The store in app.extensions; the purge at start and a daily one per process (one of them runs it)."""
    intake_store = Store(app.config["DATABASE_URL"])
    app.extensions["intake_store"] = intake_store
    _migrate_embedded(app, intake_store)
    if app.config["PURGE_AT_START"]:
        _purge_at_start(app, intake_store)
    check_every = float(app.config["PURGE_CHECK_SECONDS"])
    if check_every > 0:
        daily = retention.DailyPurge(intake_store, check_every)
        app.extensions["intake_purge"] = daily
        app.before_request(daily.ensure_running)
    app.register_blueprint(bp)
