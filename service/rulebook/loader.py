"""Load `rules/` and check it completely before anything runs on it.

Each file's shape (keys, types, codes from fixed lists) is checked against its JSON Schema in
`rules/schema/`; the loader then checks what a schema cannot: that codes, groups, fields and
named conditions exist, that examples cover every rule, and that conditions parse. A mistake
raises RulebookError naming the file and the rule, so a bad rulebook stops start-up.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from .. import shipped
from . import conditions, shapes
from .conditions import Condition, ConditionError
from .model import (
    DECISION_GROUP,
    Caution,
    Example,
    Rule,
    Rulebook,
    RulebookError,
)
from .questions import Option, Question
from .rule_files import Context, check_expect, check_groups, check_unique_ids, rule_file


def default_rules_dir() -> Path:
    """The shipped rulebook: inside the installed package, or rules/ of the source checkout."""
    return shipped.path("service.rulebook", "rules")


def load(rules_dir: str | Path | None = None) -> Rulebook:
    """Read and check the rulebook in `rules_dir` (the shipped rulebook by default)."""
    directory = Path(rules_dir) if rules_dir else default_rules_dir()
    if not directory.is_dir():
        raise RulebookError(f"the rules directory {directory} does not exist")
    schemas = shapes.validators(directory)
    texts: list[tuple[str, str]] = []

    def read(name: str, schema: str) -> Any:
        text, data = _read(directory, name, schemas[schema])
        texts.append((name, text))
        return data

    index = read("rulebook.yaml", shapes.INDEX)
    questions = _questions(read(index["questionnaire"], shapes.QUESTIONNAIRE), index["questionnaire"])
    fields = {question.id: question for question in questions}
    cautions, preparation = _catalogue(read(index["catalogue"], shapes.CATALOGUE))
    groups = _groups(index["groups"])
    context = Context(fields, _named_conditions(index.get("conditions") or {}, fields),
                      groups, cautions, preparation)
    rules: list[Rule] = []
    examples: list[Example] = []
    for name in index["rule_files"]:
        file_rules, file_examples = rule_file(read(name, shapes.RULE_FILE), name, context)
        rules.extend(file_rules)
        examples.extend(file_examples)

    check_unique_ids(rules)
    check_groups(rules, groups)
    for example in examples:
        check_expect(example, {rule.id for rule in rules}, context)
    return Rulebook(
        name=index["name"],
        version=index["version"],
        rules_version=_rules_version(index["version"], texts),
        questions=tuple(questions),
        rules=tuple(rules),
        groups=groups,
        cautions=cautions,
        preparation=preparation,
        examples=tuple(examples),
    )


def _rules_version(version: str, texts: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for name, text in texts:
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return f"{version}+{digest.hexdigest()[:12]}"


def _read(directory: Path, name: str, schema: Draft202012Validator) -> tuple[str, Any]:
    try:
        text = (directory / name).read_text(encoding="utf-8")
    except OSError as error:
        raise RulebookError(f"{name}: cannot be read from {directory} ({error.strerror})") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RulebookError(f"{name}: not valid YAML: {error}") from error
    shapes.check(schema, data, name)
    return text, data


def _questions(raw: Mapping[str, Any], file: str) -> list[Question]:
    questions = [
        Question(
            id=item["id"],
            text=item["text"],
            help=item.get("help"),
            type=item["type"],
            required=item.get("required", False),
            default=item.get("default"),
            options=tuple(Option(option["value"], option["label"]) for option in item.get("options") or ()),
            minimum=item.get("minimum"),
            maximum=item.get("maximum"),
            show_if_source=item.get("show_if") or {},
            asks_to_move=item.get("asks_to_move", False),
        )
        for item in raw["questions"]
    ]
    _check_questions(questions, file)
    return [dataclasses.replace(question, show_if=_show_if(question, questions, file)) for question in questions]


def _check_questions(questions: list[Question], file: str) -> None:
    """Each question's settings for its type, its default, and its show_if."""
    ids = [question.id for question in questions]
    for question in questions:
        where = f"question {question.id}"
        if ids.count(question.id) > 1:
            raise RulebookError(f"{file}: {where}: the id is used twice")
        problem = question.kind.problem(question)
        if problem:
            raise RulebookError(f"{file}: {where}: {problem}")
        if not question.required:
            _check_default(question, file, where)


def _check_default(question: Question, file: str, where: str) -> None:
    try:
        question.kind.check_default(question)
    except ConditionError as error:
        raise RulebookError(f"{file}: {where}: bad default: {error}") from error


def _show_if(question: Question, questions: list[Question], file: str) -> dict[str, Condition]:
    """Each test of a show_if, in the rule condition language, on an earlier question."""
    earlier = {q.id: q for q in questions[:questions.index(question)]}
    tests: dict[str, Condition] = {}
    for other, test in question.show_if_source.items():
        if other not in earlier:
            raise RulebookError(f"{file}: question {question.id}: show_if must name an earlier question, not {other!r}")
        try:
            tests[other] = conditions.parse({other: test}, earlier, {})
        except ConditionError as error:
            raise RulebookError(f"{file}: question {question.id}: show_if: {error}") from error
    return tests


def _catalogue(raw: Mapping[str, Any]) -> tuple[dict[str, Caution], dict[str, str]]:
    cautions = {code: Caution(code, item["severity"], item["text"])
                for code, item in (raw.get("cautions") or {}).items()}
    preparation = {code: item["text"] for code, item in (raw.get("preparation") or {}).items()}
    return cautions, preparation


def _groups(raw: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    if DECISION_GROUP not in raw:
        raise RulebookError(f"rulebook.yaml: groups: the '{DECISION_GROUP}' group must be declared")
    return dict(raw)


def _named_conditions(raw: Mapping[str, Any], fields: Mapping[str, Question]) -> dict[str, Condition]:
    named: dict[str, Condition] = {}
    for name, condition in raw.items():
        try:
            named[name] = conditions.parse(condition, fields, named)
        except ConditionError as error:
            raise RulebookError(f"rulebook.yaml: condition {name}: {error}") from error
    return named
