"""hip-screen db upgrade, purge, intakes and submissions export, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from conftest import as_org
from flask import Flask
from test_web_intakes import new_intake, submit

from service.cli.main import main
from service.intake import migrate


def run(app: Flask, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--database-url", app.config["DATABASE_URL"]])
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_is_idempotent(db_app: Flask) -> None:
    code, out, _ = run(db_app, "db", "upgrade")
    head = migrate.head(db_app.extensions["intake_store"])
    assert code == 0 and head == "0002" and f"at migration {head}" in out


def test_intakes_created_on_the_command_line_are_the_apis(db_app: Flask) -> None:
    code, out, _ = run(db_app, "intakes", "create", "--organization", "acme", "--title", "Camp",
                       "--retention-days", "90")
    intake_id = out.strip()
    assert code == 0 and intake_id.startswith("itk_")
    shown = db_app.test_client().get(f"/v1/intakes/{intake_id}", headers=as_org("acme")).json
    assert (shown["title"], shown["retention_days"]) == ("Camp", 90)
    code, out, _ = run(db_app, "intakes", "list", "--organization", "acme")
    assert out == f"{intake_id}\topen\t90d\tCamp\n"
    assert run(db_app, "intakes", "list", "--organization", "zeta")[1] == ""


def test_export_on_the_command_line_matches_the_api(db_app: Flask) -> None:
    client = db_app.test_client()
    intake = new_intake(client)["id"]
    ids = [submit(client, intake).json["id"] for _ in range(2)]
    code, out, err = run(db_app, "submissions", "export", "--organization", "acme", "--format", "jsonl")
    assert code == 0 and [json.loads(line)["id"] for line in out.splitlines()] == ids
    assert "Exported 2 submission(s)." in err
    code, out, _ = run(db_app, "submissions", "export", "--organization", "acme", "--intake", intake)
    api = client.get("/v1/submissions/export?format=csv", headers=as_org("acme")).get_data(as_text=True)
    assert list(csv.reader(io.StringIO(out))) == list(csv.reader(io.StringIO(api)))


def test_export_of_another_organizations_intake_fails(db_app: Flask) -> None:
    intake = new_intake(db_app.test_client(), org="zeta")["id"]
    code, _, err = run(db_app, "submissions", "export", "--organization", "acme", "--intake", intake)
    assert code == 1 and "no intake" in err


def test_purge_on_the_command_line(db_app: Flask) -> None:
    code, out, _ = run(db_app, "purge")
    assert code == 0 and out == "Deleted 0 expired submission(s).\n"
