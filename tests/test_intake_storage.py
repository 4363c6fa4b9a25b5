"""The intake store itself, on SQLite and PostgreSQL: migrations, retention, restarts, outages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import STORAGE_CONFIG, as_org
from flask import Flask
from sqlalchemy import column, insert, select, table, update
from test_web_intakes import new_intake, submit

from service import create_app
from service.intake import migrate, model, retention
from service.intake.storage import Store


def store_of(app: Flask) -> Store:
    store: Store = app.extensions["intake_store"]
    return store


def differences_from_the_model(store: Store) -> list[Any]:
    with store.engine.connect() as connection:
        differences: list[Any] = compare_metadata(MigrationContext.configure(connection), model.metadata)
    return differences


def test_the_migrations_make_exactly_the_model(db_app: Flask) -> None:
    store = store_of(db_app)
    assert migrate.current(store) == migrate.head(store)
    assert differences_from_the_model(store) == []


# The columns of a submission as migration 0001 made them (no refer_urgency).
V1_SUBMISSIONS = table("submissions", *(column(name, model.submissions.c[name].type) for name in (
    "id", "intake_id", "athlete_name", "answers", "screening", "decision", "refer", "rules_version", "created_at",
    "consent_given_at")))


def test_migration_0002_fills_refer_urgency_from_each_stored_screening(db_app: Flask) -> None:
    """v1 screenings name no urgency: a v1 referral becomes routine; a v2 screening keeps its own."""
    store, client = store_of(db_app), db_app.test_client()
    intake = new_intake(client)["id"]
    config = migrate.alembic_config(store)
    screenings = {"v1_referred": {"decision": "assess_first", "refer": True},
                  "v1_clear": {"decision": "recommended", "refer": False},
                  "v2_urgent": {"decision": "not_recommended", "refer": True, "refer_urgency": "urgent"},
                  "v2_routine": {"decision": "not_recommended", "refer": True, "refer_urgency": "routine"},
                  "v2_clear": {"decision": "not_needed", "refer": False, "refer_urgency": None}}
    stamp = dt.datetime.now(dt.timezone.utc)
    many = {f"v1_{index}": screenings["v1_referred"] for index in range(2500)}  # more than one batch of 0002
    try:
        with store.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
            connection.execute(insert(V1_SUBMISSIONS), [
                {"id": name, "intake_id": intake, "athlete_name": "Sam", "answers": {}, "screening": json.dumps(body),
                 "decision": body["decision"], "refer": body["refer"], "rules_version": "1.4.0",
                 "created_at": stamp, "consent_given_at": stamp} for name, body in {**screenings, **many}.items()])
    finally:
        migrate.upgrade(store)
    with store.connect() as connection:
        filled = dict(connection.execute(select(model.submissions.c.id, model.submissions.c.refer_urgency)).all())
    assert filled == {"v1_referred": "routine", "v1_clear": None, "v2_urgent": "urgent", "v2_routine": "routine",
                      "v2_clear": None, **dict.fromkeys(many, "routine")}
    assert differences_from_the_model(store) == []
    urgent = client.get("/v1/submissions?refer_urgency=urgent", headers=as_org("acme")).json["items"]
    assert [item["id"] for item in urgent] == ["v2_urgent"]


def age(app: Flask, submission_id: str, days: float) -> None:
    stamp = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
    with store_of(app).begin() as connection:
        connection.execute(update(model.submissions).where(model.submissions.c.id == submission_id)
                           .values(created_at=stamp))


def test_purge_deletes_exactly_the_expired_submissions(db_app: Flask) -> None:
    client = db_app.test_client()
    short, long = new_intake(client, retention_days=30)["id"], new_intake(client, retention_days=365)["id"]
    ages = {("short", 31): short, ("short", 29): short, ("long", 31): long, ("long", 366): long}
    stored = {}
    for (name, days), intake in ages.items():
        stored[(name, days)] = submit(client, intake).json["id"]
        age(db_app, stored[(name, days)], days)
    assert retention.purge(store_of(db_app)) == 2
    kept = {item["id"] for item in client.get("/v1/submissions", headers=as_org("acme")).json["items"]}
    assert kept == {stored[("short", 29)], stored[("long", 31)]}


def test_one_process_wins_the_daily_purge(db_app: Flask) -> None:
    store = store_of(db_app)
    start = dt.datetime(2026, 5, 1, 3, tzinfo=dt.timezone.utc)
    assert retention.claim(store, "purge", retention.PURGE_EVERY, start)
    assert not retention.claim(store, "purge", retention.PURGE_EVERY, start)
    assert not retention.claim(store, "purge", retention.PURGE_EVERY, start + dt.timedelta(hours=23))
    assert retention.run_if_due(store, start + dt.timedelta(days=1)) == 0
    assert retention.run_if_due(store, start + dt.timedelta(days=1, hours=1)) is None


def test_a_restarted_service_keeps_every_submission(db_app: Flask) -> None:
    client = db_app.test_client()
    intake = new_intake(client)["id"]
    ids = {submit(client, intake).json["id"] for _ in range(3)}
    restarted = create_app({**STORAGE_CONFIG, "DATABASE_URL": db_app.config["DATABASE_URL"]})
    listed = restarted.test_client().get("/v1/submissions", headers=as_org("acme")).json["items"]
    assert {item["id"] for item in listed} == ids
    store_of(restarted).engine.dispose()


@pytest.fixture(scope="module")
def unreachable_app() -> Flask:
    # Port 9 (discard) on the loopback: nothing answers there.
    return create_app({**STORAGE_CONFIG, "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"})


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/v1/intakes", None),
    ("POST", "/v1/intakes", {"title": "T", "retention_days": 3}),
    ("GET", "/v1/submissions", None),
    ("POST", "/v1/intakes/itk_x/submissions", None),
])
def test_storage_endpoints_answer_503_while_the_database_is_down(
        unreachable_app: Flask, answers: dict[str, Any], method: str, path: str, body: Any) -> None:
    client = unreachable_app.test_client()
    if body is None and method == "POST":
        body = {"answers": answers, "athlete": {"name": "Sam"}, "consent": True}
    response = client.open(path, method=method, json=body, headers=as_org("acme"))
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"


def test_screening_works_and_readiness_fails_without_the_database(
        unreachable_app: Flask, answers: dict[str, Any]) -> None:
    client = unreachable_app.test_client()
    assert client.post("/v1/screenings", json=answers).status_code == 200
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_readiness_with_the_database(db_app: Flask) -> None:
    assert db_app.test_client().get("/readyz").status_code == 200
