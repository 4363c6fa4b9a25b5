"""The wheel as a platform installs it: into a fresh virtualenv, used from a directory far from the checkout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import VALID_ANSWERS, running_server

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parent.parent
SPEC = yaml.safe_load((CHECKOUT / "openapi.yaml").read_text())


def run(argv: list[str], cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "SERVICE_RULES_DIR")}
    completed = subprocess.run(argv, cwd=cwd, env={**env, **kwargs.pop("env", {})}, capture_output=True, text=True,
                               check=False, timeout=1800, **kwargs)
    return completed


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built as a release is: an sdist from a copy of the checkout, then the wheel from that sdist."""
    where = tmp_path_factory.mktemp("build")
    source = where / "source"
    shutil.copytree(CHECKOUT, source, ignore=shutil.ignore_patterns(".venv*", ".git", "build", "dist", "*.egg-info",
                                                                    "__pycache__", ".*_cache", ".hypothesis", "var"))
    built = run([sys.executable, "-m", "build", "--outdir", str(where / "dist"), str(source)], cwd=where)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (found,) = (where / "dist").glob("*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel and its dependencies, and nothing of the checkout."""
    target = tmp_path_factory.mktemp("venv") / "venv"
    assert run([sys.executable, "-m", "venv", str(target)], cwd=target.parent).returncode == 0
    installed = run([str(target / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], cwd=target.parent)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return target / "bin"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory with no rules/ and no openapi.yaml in it."""
    return tmp_path


def test_the_wheel_carries_the_rulebook_the_spec_and_py_typed(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert archive.read("service/web/openapi.yaml") == (CHECKOUT / "openapi.yaml").read_bytes()
        rule_files = [path for path in (CHECKOUT / "rules").rglob("*") if path.is_file()]
        assert {path.suffix for path in rule_files} == {".yaml", ".json"}  # the rules and their JSON Schemas
        for path in rule_files:
            assert archive.read(f"service/rulebook/rules/{path.relative_to(CHECKOUT / 'rules')}") == path.read_bytes()
        # The database's migrations, for `hip-screen db upgrade` and the first start.
        for path in (CHECKOUT / "migrations").rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                packaged = f"service/intake/migrations/{path.relative_to(CHECKOUT / 'migrations')}"
                assert archive.read(packaged) == path.read_bytes()
    assert "service/py.typed" in names
    assert {"service/web/assets/form.html", "service/web/assets/embed.js", "service/web/assets/embed.css"} <= names
    assert not [name for name in names if name.startswith(("tests/", "rules/", "bench/")) or name == "openapi.yaml"]


def request(url: str, body: Any = None, method: str | None = None, key: str | None = None) -> tuple[int, bytes]:
    """The status and body of one request; an error status is returned, not raised."""
    data = None if body is None else json.dumps(body).encode()
    headers = {**({"Authorization": f"Bearer {key}"} if key else {}),
               **({"Content-Type": "application/json"} if data else {})}
    sent = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(sent, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def example_body(operation: dict[str, Any]) -> Any:
    """The first example of an operation's JSON request body (None for an operation without one)."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    return content["example"] if "example" in content else next(iter(content["examples"].values()))["value"]


KEY = "installed-key-00000000000000000001"


def test_gunicorn_serves_every_endpoint_from_the_installed_package(venv: Path, elsewhere: Path) -> None:
    argv = [str(venv / "gunicorn"), "--config", "python:service.gunicorn_conf", "service:create_app()"]
    with running_server(argv, elsewhere, {"PYTHONPATH": "", "SERVICE_API_KEYS": f"coach:{KEY}"}) as url:
        ids = created_ids(url)
        operations = [(path, method, operation) for path, item in SPEC["paths"].items()
                      for method, operation in item.items() if method in ("get", "post", "patch", "delete")]
        # A patch may close the intake and a delete removes it: both come after what needs them open.
        # The intake's delete (which takes its submissions along) is the very last.
        operations.sort(key=lambda op: (op[1] == "delete", op[1] == "patch", op[0] == "/v1/intakes/{intake_id}"))
        for path, method, operation in operations:
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and "enum" in parameter.get("schema", {}):
                    path = path.replace(f"{{{parameter['name']}}}", parameter["schema"]["enum"][0])
            path = path.format(**ids)
            body = example_body(operation) if method in ("post", "patch") else None
            status, content = request(url + path, body, method.upper(), KEY)
            assert 200 <= status < 300 and (content or status == 204), (method, path, status, content[:300])
        assert request(url + "/openapi.yaml")[1] == (CHECKOUT / "openapi.yaml").read_bytes()


def created_ids(url: str) -> dict[str, str]:
    """An intake and a submission of its own, for the paths that name one."""
    intake = json.loads(request(url + "/v1/intakes", {"title": "Installed", "retention_days": 30}, "POST", KEY)[1])
    operation = SPEC["paths"]["/v1/intakes/{intake_id}/submissions"]["post"]
    submitted = request(f"{url}/v1/intakes/{intake['id']}/submissions", example_body(operation), "POST", KEY)[1]
    return {"intake_id": intake["id"], "submission_id": json.loads(submitted)["id"]}


@pytest.mark.parametrize("start", [["hip-screen", "serve"], ["python", "-m", "service"]])
def test_the_other_ways_to_start_serve(venv: Path, elsewhere: Path, start: list[str]) -> None:
    with running_server([str(venv / start[0]), *start[1:]], elsewhere) as url:
        status, content = request(url + "/v1/screenings", VALID_ANSWERS)
        assert status == 200 and json.loads(content)["decision"]


def test_hip_screen_screens_checks_and_verifies_from_the_installed_package(venv: Path, elsewhere: Path) -> None:
    (elsewhere / "one.json").write_text(json.dumps(VALID_ANSWERS))
    screened = run([str(venv / "hip-screen"), "screen", "one.json"], cwd=elsewhere)
    assert screened.returncode == 0, screened.stderr
    assert json.loads(screened.stdout)["results"][0]["screening"]["decision"]
    checked = run([str(venv / "hip-screen"), "check-rules"], cwd=elsewhere)
    assert checked.returncode == 0 and "all examples agree" in checked.stdout, checked.stderr
    verified = run([str(venv / "hip-screen"), "verify"], cwd=elsewhere)
    assert verified.returncode == 0 and verified.stdout.rstrip().endswith("result: OK"), verified.stdout[-2000:]


def test_service_rules_dir_still_overrides_and_a_wrong_one_is_named(venv: Path, elsewhere: Path) -> None:
    copy = elsewhere / "my-rules"
    shutil.copytree(CHECKOUT / "rules", copy)
    index = copy / "rulebook.yaml"
    index.write_text(re.sub(r"^version: .*$", "version: 9.9.9", index.read_text(), count=1, flags=re.MULTILINE))
    ours = run([str(venv / "hip-screen"), "check-rules"], cwd=elsewhere, env={"SERVICE_RULES_DIR": str(copy)})
    assert ours.returncode == 0 and " 9.9.9+" in ours.stdout, ours.stderr
    missing = elsewhere / "no-such-rules"
    refused = run([str(venv / "python"), "-c", "import service; service.create_app()"], cwd=elsewhere,
                  env={"SERVICE_RULES_DIR": str(missing)})
    assert refused.returncode != 0 and str(missing) in refused.stderr

