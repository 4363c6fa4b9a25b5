"""The JSON Schemas in rules/schema/: valid, named by every rule file, and used by the loader for shape errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from service import rulebook
from service.rulebook import RulebookError, default_rules_dir, model, questions

SCHEMA_DIR = default_rules_dir() / "schema"
SCHEMAS = sorted(path.name for path in SCHEMA_DIR.glob("*.json"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1))


def schema(name: str) -> Any:
    return json.loads((SCHEMA_DIR / name).read_text())


def expected_schemas() -> dict[str, str]:
    """Each file of the rulebook and the schema its role calls for."""
    index = yaml.safe_load((default_rules_dir() / "rulebook.yaml").read_text())
    return {
        "rulebook.yaml": "rulebook.json",
        index["questionnaire"]: "questionnaire.json",
        index["catalogue"]: "catalogue.json",
        **{name: "rules.json" for name in index["rule_files"]},
    }


def test_there_is_one_schema_per_kind_of_file() -> None:
    assert sorted(set(expected_schemas().values())) == SCHEMAS


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    contents = schema(name)
    assert contents["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(contents)


@pytest.mark.parametrize(("file", "schema_name"), sorted(expected_schemas().items()))
def test_every_rule_file_names_its_schema_on_line_1_and_meets_it(file: str, schema_name: str) -> None:
    text = (default_rules_dir() / file).read_text()
    assert text.splitlines()[0] == f"# yaml-language-server: $schema=schema/{schema_name}"
    # As an editor sees it: the schema alone, refs resolved between the published files.
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(schema(name))) for name in SCHEMAS
    )
    errors = list(Draft202012Validator(schema(schema_name), registry=registry).iter_errors(yaml.safe_load(text)))
    assert errors == []


@pytest.mark.parametrize(
    ("name", "pointer", "codes"),
    [
        ("rules.json", ("$defs", "decision", "enum"), model.DECISIONS),
        ("rules.json", ("$defs", "variant", "enum"), model.VARIANTS),
        ("rules.json", ("$defs", "timing", "enum"), model.TIMINGS),
        ("questionnaire.json", ("$defs", "question", "properties", "type", "enum"), tuple(questions.TYPES)),
    ],
)
def test_schema_code_lists_match_the_model(name: str, pointer: tuple[str, ...], codes: tuple[str, ...]) -> None:
    node = schema(name)
    for step in pointer:
        node = node[step]
    assert tuple(node) == codes


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("decision.yaml", "    refer: routine\n    cautions: [structural_restriction]",
         "    refer_to: routine\n    cautions: [structural_restriction]",
         r"^decision.yaml: rules\[4\] \(id joint_condition\): unknown key 'refer_to'$"),
        ("decision.yaml", "    refer: routine\n    cautions: [hip_pinch_reported]",
         "    refer: yes please\n    cautions: [hip_pinch_reported]",
         r"^decision.yaml: rules\[8\] \(id hip_pinch\): refer: 'yes please' is not one of routine, urgent$"),
        ("timing.yaml", "      note: Before a training session, as part of the warm-up.\n", "",
         r"^timing.yaml: rules\[2\] \(id before_training_any_day\): timing: missing required key 'note'$"),
        ("questionnaire.yaml", "    maximum: 7\n", "    maximum: seven\n",
         r"^questionnaire.yaml: questions\[10\] \(id sumo_days_per_week\): maximum: must be a whole number"),
        ("questionnaire.yaml", "    required: false\n    default: false\n", "    required: false\n",
         r"^questionnaire.yaml: questions\[11\] \(id squats\): missing required key 'default' "
         r"\(an optional question needs a default\)$"),
        ("catalogue.yaml", "    severity: warning\n", "    severity: loud\n",
         r"^catalogue.yaml: cautions.gentle_range.severity: 'loud' is not one of info, warning, stop$"),
        ("rulebook.yaml", "  - decision.yaml\n", "  - ../decision.yaml\n",
         r"^rulebook.yaml: rule_files\[0\]: '../decision.yaml' is not a file name inside the rules directory$"),
        ("rulebook.yaml", "version: 2.0.0\n", "",
         r"^rulebook.yaml: missing required key 'version'$"),
        ("variant.yaml", "    expect:\n      decision: recommended\n",
         "    expect:\n      decision: recommended\n      colour: red\n",
         r"^variant.yaml: examples\[0\] \(name no wall means feet on the floor\): expect: unknown key 'colour'$"),
        ("preparation.yaml", "  - id: soft_tissue_before_drill\n    applies_to", "  - applies_to",
         r"^preparation.yaml: rules\[0\]: missing required key 'id'$"),
        ("preparation.yaml", "examples:\n", "example:\n",
         r"^preparation.yaml: unknown key 'example'$"),
    ],
)
def test_a_shape_error_names_file_and_place(rules_copy: Path, file: str, old: str, new: str, message: str) -> None:
    edit(rules_copy / file, old, new)
    with pytest.raises(RulebookError, match=message):
        rulebook.load(rules_copy)


def test_a_broken_schema_stops_loading(rules_copy: Path) -> None:
    edit(rules_copy / "schema" / "rules.json", '"minItems": 1', '"minItems": "one"')
    with pytest.raises(RulebookError, match=r"^schema/rules.json: not a valid JSON Schema"):
        rulebook.load(rules_copy)
