"""Schemathesis against openapi.yaml, in-process on the WSGI app: every operation, every check.

Positive and negative data, the spec's examples and the coverage phase, all of
schemathesis's checks (server errors, status codes, content types, headers, response
schemas, rejection of invalid data, acceptance of valid data, unsupported methods...).
Seeded (derandomized) with a bounded number of examples per operation, so a run is
repeatable and quick.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from service import create_app

SPEC_PATH = Path(__file__).parent.parent / "openapi.yaml"
EXAMPLES_PER_OPERATION = 150


# Built at import: schemathesis makes one test per operation when the module is collected
# (its fixture-based loader does not work with pytest 9's subtests).
schema = schemathesis.openapi.from_path(SPEC_PATH)
schema.app = create_app({"TESTING": True})


@schema.parametrize()
@settings(derandomize=True, database=None, max_examples=EXAMPLES_PER_OPERATION, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_operation_keeps_its_contract(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_every_operation_in_the_spec_is_fuzzed() -> None:
    fuzzed = {(result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()}
    documented = {(method.upper(), path) for path, item in schema.raw_schema["paths"].items() for method in item}
    assert fuzzed == documented and len(fuzzed) >= 4
