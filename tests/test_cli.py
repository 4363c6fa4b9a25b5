"""hip-screen, as a coach with a spreadsheet runs it."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from service.cli import main as cli
from service.cli import roster

SAFE = "none,30,none,false,none,false"
SAFE_HEADER = "red_flags,age,recent_surgery,recent_injury,pain_areas,hip_pinch,structural_conditions"
SAFE_CELLS = f"{SAFE},none"
CLEAR = {"red_flags": [], "age": 30, "recent_surgery": [], "recent_injury": False, "pain_areas": [],
         "hip_pinch": False, "structural_conditions": []}
ROSTER = f"""\
athlete,red_flags,age,recent_surgery,recent_injury,pain_areas,hip_pinch,sex,sports,lifting_style,\
sumo_days_per_week,squats,prior_soft_tissue_work,hip_ir,structural_conditions
Ann,{SAFE},female,running;team_field,conventional,,true,true,limited,none
Ben,{SAFE},male,strength,sumo,5,TRUE,false,limited,NONE
Cleo,{SAFE},female,rotational,mixed,two,yes,false,not_tested,none
Dev,{SAFE},male,baseball_pitching,none,,false,true,normal,labral_tear
"""


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli.main, list(args), input=stdin, catch_exceptions=False)


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def roster_file(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def test_a_csv_roster_with_a_bad_row_screens_the_rest_and_exits_1(roster_file: Path) -> None:
    result = run("screen", str(roster_file), "--id-column", "athlete")
    assert result.exit_code == 1
    rows = csv_rows(result.stdout)
    assert [(row["athlete"], row["line"], row["ok"]) for row in rows] == [
        ("Ann", "2", "true"), ("Ben", "3", "true"), ("Cleo", "4", "false"), ("Dev", "5", "true")]
    assert [row["decision"] for row in rows] == ["recommended", "recommended", "", "not_recommended"]
    assert rows[1]["preparation"] == "soft_tissue_first"
    assert rows[3]["refer"] == "true" and rows[3]["refer_urgency"] == "routine"
    assert rows[3]["cautions"] == "structural_restriction"
    assert rows[2]["errors"] == ("sumo_days_per_week: Must be a whole number, not 'two'.; "
                                 "squats: Must be true or false, not 'yes'.")
    assert "Screened 4: 3 ok, 1 invalid (line 4)." in result.stderr


def test_a_clean_roster_exits_0_and_equals_the_api(roster_file: Path, client: Any) -> None:
    clean = "\n".join(line for line in ROSTER.splitlines() if not line.startswith("Cleo")) + "\n"
    roster_file.write_text(clean, encoding="utf-8")
    result = run("screen", str(roster_file), "--id-column", "athlete", "--to", "json")
    assert result.exit_code == 0, result.stderr
    results = json.loads(result.stdout)["results"]
    ben = results[1]
    assert (ben["index"], ben["line"], ben["athlete"], ben["ok"]) == (1, 3, "Ben", True)
    answers = {"red_flags": [], "age": 30, "recent_surgery": [], "recent_injury": False, "pain_areas": [],
               "hip_pinch": False, "structural_conditions": [], "sex": "male", "sports": ["strength"],
               "lifting_style": "sumo", "sumo_days_per_week": 5, "squats": True, "prior_soft_tissue_work": False,
               "hip_ir": "limited"}
    api = client.post("/v1/screenings", json=answers).get_json()
    assert {**ben["screening"], "id": None} == {**api, "id": None}


def test_a_column_that_is_not_a_question_is_an_error_of_its_row(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(f"name,sex,lifting_style,prior_soft_tissue_work,{SAFE_HEADER}\nAnn,female,sumo,true,{SAFE_CELLS}\n",
                    encoding="utf-8")
    result = run("screen", str(path), "--to", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["results"][0]["problem"]["errors"] == {"name": ["Unknown field."]}


def test_json_lines_in_json_lines_out_with_a_line_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "athletes.jsonl"
    good = {**CLEAR, "sex": "male", "lifting_style": "none", "prior_soft_tissue_work": True, "hip_ir": "normal"}
    path.write_text(f"{json.dumps(good)}\n\n{{not json\n{json.dumps({'sex': 'male'})}\n", encoding="utf-8")
    result = run("screen", str(path))
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(item["index"], item["line"], item["ok"]) for item in lines] == [(0, 1, True), (1, 3, False), (2, 4, False)]
    assert lines[0]["screening"]["decision"] == "not_needed"
    assert "not valid JSON" in lines[1]["problem"]["errors"]["_line"][0]
    assert {"lifting_style", "prior_soft_tissue_work", "red_flags", "hip_pinch"} <= set(lines[2]["problem"]["errors"])


@pytest.mark.parametrize("document", ["single", "list", "batch"])
def test_one_json_file_of_one_or_many_answer_sets(tmp_path: Path, document: str) -> None:
    answers = {**CLEAR, "sex": "female", "lifting_style": "conventional", "prior_soft_tissue_work": True}
    body = {"single": answers, "list": [answers, answers], "batch": {"items": [answers]}}[document]
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    result = run("screen", str(path), "--to", "csv")
    assert result.exit_code == 0
    rows = csv_rows(result.stdout)
    assert len(rows) == {"single": 1, "list": 2, "batch": 1}[document]
    assert {row["decision"] for row in rows} == {"assess_first"}


def test_standard_input_and_an_output_file(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = run("screen", "-", "--from", "csv", "--id-column", "athlete", "--to", "json", "-o", str(out),
                 stdin=ROSTER)
    assert result.exit_code == 1
    results = json.loads(out.read_text())["results"]
    assert [(item["athlete"], item["ok"]) for item in results] == [("Ann", True), ("Ben", True), ("Cleo", False),
                                                                  ("Dev", True)]
    assert result.stdout == ""


def test_a_spreadsheet_export_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(f"\ufeffsex,lifting_style,prior_soft_tissue_work,{SAFE_HEADER}\r\nmale,sumo,FALSE,{SAFE_CELLS}\r\n"
                     .encode())
    result = run("screen", str(path))
    assert result.exit_code == 0, result.stdout
    row = csv_rows(result.stdout)[0]
    assert (row["ok"], row["decision"]) == ("true", "assess_first")


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (["--from", "csv"], "sex,sex\nmale,male\n", "more than once"),
        (["--id-column", "athlete"], "sex\nmale\n", "no column 'athlete'"),
        (["--from", "json"], "{not json", "not valid JSON"),
        ([], "whatever", "cannot tell the format"),
        (["--id-column", "ok", "--from", "csv"], "ok,sex\n1,male\n", "is a key of the results"),
    ],
)
def test_input_that_cannot_be_used_exits_2(tmp_path: Path, args: list[str], content: str, message: str) -> None:
    path = tmp_path / ("input.txt" if "--from" in args or not args else "input.csv")
    path.write_text(content, encoding="utf-8")
    result = run("screen", str(path), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("screen", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "nope.csv" in result.stderr


def test_no_progress_bar_when_stderr_is_not_a_terminal(roster_file: Path) -> None:
    result = run("screen", str(roster_file), "--id-column", "athlete")
    assert "Screening" not in result.stderr


def test_a_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    records = [roster.Record(index, None, {}) for index in range(3)]
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert list(cli._progress(records)) == records
    assert "Screening" in capsys.readouterr().err


def test_check_rules_on_the_real_rulebook() -> None:
    result = run("check-rules")
    assert result.exit_code == 0
    assert "all examples agree" in result.stdout


def test_check_rules_names_what_is_wrong(rules_copy: Path) -> None:
    decision_file = rules_copy / "decision.yaml"
    decision_file.write_text(decision_file.read_text().replace("{hip_pinch: true}", "{hip_pinch: maybe}", 1))
    result = run("check-rules", "--rules-dir", str(rules_copy))
    assert result.exit_code == 1
    assert "decision.yaml" in result.stderr


def break_one_example(rules_dir: Path) -> str:
    """Change the expected decision of the first example in decision.yaml; returns its name."""
    path = rules_dir / "decision.yaml"
    data = yaml.safe_load(path.read_text())
    example = data["examples"][0]
    example["expect"]["decision"] = "not_needed" if example["expect"]["decision"] != "not_needed" else "recommended"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(example["name"])


def test_run_examples_prints_each_example(rules_copy: Path) -> None:
    result = run("run-examples", "--rules-dir", str(rules_copy))
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if line.startswith(("pass", "FAIL"))]
    assert len(lines) > 10 and all(line.startswith("pass") for line in lines)
    broken = break_one_example(rules_copy)
    result = run("run-examples", "--rules-dir", str(rules_copy))
    assert result.exit_code == 1
    assert f"FAIL  decision.yaml: {broken}" in result.stdout
    assert "decision: expected" in result.stdout
    assert run("check-rules", "--rules-dir", str(rules_copy)).exit_code == 1


@pytest.mark.parametrize("command", [[], ["screen"], ["check-rules"], ["run-examples"], ["verify"], ["serve"]])
def test_help_on_every_command(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ")


def test_serve_execs_gunicorn_with_the_service_settings(monkeypatch: pytest.MonkeyPatch, rules_copy: Path) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(cli.os, "execv", lambda path, argv: calls.append(argv))
    monkeypatch.setattr(cli.os, "environ", {})
    assert run("serve", "--port", "27123", "--rules-dir", str(rules_copy), "--workers", "3").exit_code == 0
    assert calls == [[sys.executable, "-m", "gunicorn", "--config", "python:service.gunicorn_conf", "--workers", "3",
                      "service:create_app()"]]
    assert cli.os.environ == {"PORT": "27123", "SERVICE_RULES_DIR": str(rules_copy)}


def test_a_missing_rules_directory_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = CliRunner().invoke(cli.main, ["check-rules"], env={"SERVICE_RULES_DIR": str(missing)})
    assert result.exit_code == 2 and str(missing) in result.stderr


def test_the_console_script_is_installed(roster_file: Path) -> None:
    script = shutil.which("hip-screen", path=str(Path(sys.executable).parent))
    assert script, "pip install -e . installs hip-screen next to python"
    completed = subprocess.run([script, "screen", str(roster_file), "--id-column", "athlete", "--to", "jsonl"],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 1
    assert len(completed.stdout.splitlines()) == 4
