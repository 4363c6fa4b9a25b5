"""Verify the rulebook over its whole answer space, through the real engine.

`python -m service.verification` screens answers covering every class of answers
(`answer_space`) with durable-rules, twice, and prints a report. One screening covers each
cube of classes that no rule that can still take effect tells apart (`screening.cubes`);
invariants are checked on every combination of facts a cube's members show:

- proof that the classes are exact, and that durable-rules reads nothing they miss (`proof`);
  on every case durable-rules matches exactly the rules whose conditions hold (`passes`);
- every invariant of `invariants`, on every case, with a failing example if any (`checks`);
- coverage: rule -> cases it matches and takes effect on, every decision, caution,
  preparation, variant and timing reached, and shadowed rules (`coverage`).

The exit status is 1 when anything fails, is unreachable or is shadowed.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

from ..rulebook import Rulebook
from ..rulebook import load as load_rulebook
from ..screening import answer_space
from ..screening.cubes import Partition
from ..screening.visibility import show_if_conditions
from .checks import (
    check_invariants,
    check_monotonic_safety,
    check_no_movement_answer_once_ruled_out,
    check_no_safety_default,
    check_sex_on_tested_hips,
)
from .coverage import coverage, shadowed
from .passes import screen_twice
from .proof import prove_exact
from .report import Report


def verify(rulebook: Rulebook, fixed: Mapping[str, Any] | None = None, processes: int = 2) -> Report:
    """Screen every class (or those of the `fixed` answers) and check everything on them."""
    space = answer_space.build(rulebook, extra=show_if_conditions(rulebook))
    proof = prove_exact(rulebook, space)
    partition = Partition(rulebook, space, fixed)
    cases = [dict(cube.case) for cube in partition.cubes]
    run = screen_twice(rulebook, cases, processes)
    report = Report(rulebook, partition, cases, run, proof)
    for index in run.disagreements:
        proof.problems.append(f"durable-rules matched other rules than the conditions say for {cases[index]}")
    check_invariants(report)
    check_monotonic_safety(report)
    check_sex_on_tested_hips(report)
    check_no_movement_answer_once_ruled_out(report)
    check_no_safety_default(report)
    coverage(report)
    shadowed(report)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Print the verification report; 1 when anything fails, is unreachable or shadowed."""
    parser = argparse.ArgumentParser(prog="python -m service.verification", description=__doc__.splitlines()[0])
    parser.add_argument("--rules-dir", help="rulebook directory (default: the rulebook shipped with the service)")
    parser.add_argument("--processes", type=int, default=2, help="worker processes (default: 2)")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    report = verify(load_rulebook(args.rules_dir), processes=args.processes)
    print(report.render())
    return 0 if report.ok else 1
