"""Schemathesis against openapi.yaml, in-process on the WSGI app: every operation, every check.

Positive and negative data, the spec's examples and the coverage phase, all of
schemathesis's checks (server errors, status codes, content types, headers, response
schemas, rejection of invalid data, acceptance of valid data, unsupported methods...).
Seeded (derandomized) with a bounded number of examples per operation, so a run is
repeatable and quick.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from service import create_app
from service.intake import migrate
from service.screening.answers import REQUIRED

SPEC_PATH = Path(__file__).parent.parent / "openapi.yaml"
CONFIG_PATH = Path(__file__).parent / "schemathesis.toml"
EXAMPLES_PER_OPERATION = 150


# Built at import: schemathesis makes one test per operation when the module is collected
# (its fixture-based loader does not work with pytest 9's subtests).
schema = schemathesis.openapi.from_path(SPEC_PATH, config=schemathesis.config.SchemathesisConfig.from_path(CONFIG_PATH))
# Intake endpoints run on a database of their own, with a key so that they get past 401.
_database = tempfile.TemporaryDirectory(prefix="fuzz-intake-")
KEY = "fuzz-key-0000000000000001"
# Quotas off: fuzzing judges each answer against the contract; tests/test_limits.py judges the quotas.
schema.app = create_app({"TESTING": True, "API_KEYS": f"fuzz:{KEY}", "PURGE_CHECK_SECONDS": 0,
                         "ANON_RATE_LIMIT": "none", "AUTH_FAIL_RATE_LIMIT": "none", "ANON_BATCH_MAX": 1000,
                         "DATABASE_URL": f"sqlite:///{_database.name}/intake.sqlite3"})
migrate.upgrade(schema.app.extensions["intake_store"])
MOVING = {q.id for q in schema.app.extensions["screening"].rulebook.questions if q.asks_to_move}


@schema.parametrize()
@settings(derandomize=True, database=None, max_examples=EXAMPLES_PER_OPERATION, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_operation_keeps_its_contract(case: schemathesis.Case) -> None:
    if case.operation.path.startswith(("/v1/intakes", "/v1/submissions")) and "Authorization" in (case.headers or {}):
        case.headers["Authorization"] = f"Bearer {KEY}"  # a real key where schemathesis made one up
    response = case.call_and_validate()
    if case.operation.definition.raw.get("operationId") == "createSubmission" and response.status_code == 422 \
            and case.meta is not None and case.meta.generation.mode.is_positive:
        # The one refusal of valid data tests/schemathesis.toml allows: a movement answer that still counts, left out.
        errors = response.json()["errors"]
        assert errors and all(name in MOVING and messages == [REQUIRED] for name, messages in errors.items()), errors


def test_every_operation_in_the_spec_is_fuzzed() -> None:
    fuzzed = {(result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()}
    documented = {(method.upper(), path) for path, item in schema.raw_schema["paths"].items() for method in item}
    assert fuzzed == documented and len(fuzzed) >= 4



def test_the_one_allowance_is_a_422_for_submissions() -> None:
    """tests/schemathesis.toml changes one check of one operation: one status more than the default."""
    plain = schemathesis.openapi.from_path(SPEC_PATH, config=schemathesis.config.SchemathesisConfig())
    changed = {}
    for ours, theirs in zip(schema.get_all_operations(), plain.get_all_operations(), strict=True):
        both = ((schema, ours.ok()), (plain, theirs.ok()))
        mine, default = (loaded.config.checks_config_for(operation=operation) for loaded, operation in both)
        if mine != default:
            checks = [field.name for field in dataclasses.fields(mine)
                      if getattr(mine, field.name) != getattr(default, field.name)]
            assert checks == ["positive_data_acceptance"], checks
            changed[ours.ok().label] = (set(mine.positive_data_acceptance.expected_statuses)
                                        ^ set(default.positive_data_acceptance.expected_statuses))
    assert changed == {"POST /v1/intakes/{intake_id}/submissions": {"422"}}
