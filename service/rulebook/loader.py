"""Load `rules/` and check it completely before anything runs on it.

A mistake in the data (unknown key, field, code or group, a rule no example covers, a
condition that names a missing option) raises RulebookError naming the file and the rule,
so a bad rulebook stops start-up instead of producing wrong screenings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from . import conditions
from .conditions import Condition, ConditionError
from .model import (
    DECISION_GROUP,
    DECISIONS,
    SEVERITIES,
    SOURCES,
    TIMINGS,
    VARIANTS,
    Caution,
    Example,
    Rule,
    Rulebook,
    RulebookError,
)
from .questions import TYPES, Option, Question

RULE_KEYS = {
    "id", "group", "applies_to", "source", "when", "decision", "refer",
    "cautions", "preparation", "variant", "timing", "reason",
}
EXPECT_KEYS = {"decision", "refer", "variant", "timing", "cautions", "preparation", "rules"}


def default_rules_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "rules"


def load(rules_dir: str | Path | None = None) -> Rulebook:
    """Read and check the rulebook in `rules_dir` (the repository's rules/ by default)."""
    directory = Path(rules_dir) if rules_dir else default_rules_dir()
    index_text, index = _read(directory, "rulebook.yaml")
    _only_keys(index, {"name", "version", "questionnaire", "catalogue", "rule_files", "groups", "conditions"},
               "rulebook.yaml", "the index")
    texts = [("rulebook.yaml", index_text)]

    questionnaire_name = _required(index, "questionnaire", "rulebook.yaml")
    text, raw_questionnaire = _read(directory, questionnaire_name)
    texts.append((questionnaire_name, text))
    questions = _questions(raw_questionnaire, questionnaire_name)
    fields = {question.id: question for question in questions}

    catalogue_name = _required(index, "catalogue", "rulebook.yaml")
    text, raw_catalogue = _read(directory, catalogue_name)
    texts.append((catalogue_name, text))
    cautions, preparation = _catalogue(raw_catalogue, catalogue_name)

    groups = _groups(index.get("groups") or {})
    named = _named_conditions(index.get("conditions") or {}, fields)

    rules: list[Rule] = []
    examples: list[Example] = []
    rule_files = index.get("rule_files")
    if not isinstance(rule_files, list) or not rule_files:
        raise RulebookError("rulebook.yaml: 'rule_files' must list at least one file")
    for name in rule_files:
        text, raw = _read(directory, name)
        texts.append((name, text))
        _only_keys(raw, {"rules", "examples"}, name, "the file")
        file_rules = [
            _rule(raw_rule, name, fields, named, groups, cautions, preparation)
            for raw_rule in _list(raw, "rules", name)
        ]
        file_examples = [_example(raw_example, name) for raw_example in _list(raw, "examples", name)]
        rules.extend(file_rules)
        examples.extend(file_examples)
        _check_coverage(file_rules, file_examples, name)

    _check_unique_ids(rules)
    _check_groups(rules, groups)
    known_rules = {rule.id for rule in rules}
    for example in examples:
        _check_expect(example, known_rules, cautions, preparation)

    return Rulebook(
        name=str(_required(index, "name", "rulebook.yaml")),
        version=str(_required(index, "version", "rulebook.yaml")),
        rules_version=_rules_version(str(index["version"]), texts),
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


def _read(directory: Path, name: Any) -> tuple[str, Any]:
    if not isinstance(name, str) or "/" in name or name.startswith("."):
        raise RulebookError(f"rulebook.yaml: {name!r} is not a file name inside the rules directory")
    path = directory / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RulebookError(f"{name}: cannot be read ({error.strerror})") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RulebookError(f"{name}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise RulebookError(f"{name}: must hold a mapping at the top level")
    return text, data


def _only_keys(raw: Any, allowed: set[str], file: str, where: str) -> None:
    if not isinstance(raw, Mapping):
        raise RulebookError(f"{file}: {where}: must be a mapping")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise RulebookError(f"{file}: {where}: unknown key(s) {', '.join(map(str, unknown))}")


def _required(raw: Mapping[str, Any], key: str, file: str, where: str = "the file") -> Any:
    if raw.get(key) is None:
        raise RulebookError(f"{file}: {where}: '{key}' is required")
    return raw[key]


def _list(raw: Mapping[str, Any], key: str, file: str) -> list[Any]:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        raise RulebookError(f"{file}: '{key}' must be a non-empty list")
    return value


def _questions(raw: Mapping[str, Any], file: str) -> list[Question]:
    _only_keys(raw, {"questions"}, file, "the file")
    questions: list[Question] = []
    for item in _list(raw, "questions", file):
        where = f"question {item.get('id', '?')}" if isinstance(item, Mapping) else "a question"
        _only_keys(item, {"id", "text", "help", "type", "required", "default", "options",
                          "minimum", "maximum", "show_if"}, file, where)
        kind = _required(item, "type", file, where)
        if kind not in TYPES:
            raise RulebookError(f"{file}: {where}: type must be one of {', '.join(TYPES)}")
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise RulebookError(f"{file}: {where}: 'required' must be true or false")
        if not required and "default" not in item:
            raise RulebookError(f"{file}: {where}: an optional question needs a default")
        for option in item.get("options") or ():
            # Catches an unquoted comma in a flow mapping, which YAML reads as more keys.
            _only_keys(option, {"value", "label"}, file, f"{where}: an option")
        options = tuple(
            Option(str(_required(option, "value", file, where)), str(_required(option, "label", file, where)))
            for option in item.get("options") or ()
        )
        questions.append(Question(
            id=str(_required(item, "id", file, where)),
            text=str(_required(item, "text", file, where)),
            help=item.get("help"),
            type=kind,
            required=required,
            default=item.get("default"),
            options=options,
            minimum=item.get("minimum"),
            maximum=item.get("maximum"),
            show_if={key: tuple(value if isinstance(value, list) else [value])
                     for key, value in (item.get("show_if") or {}).items()},
        ))
    _check_questions(questions, file)
    return questions


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
        for other, values in question.show_if.items():
            target = next((q for q in questions if q.id == other), None)
            if target is None or ids.index(other) > ids.index(question.id):
                raise RulebookError(f"{file}: {where}: show_if must name an earlier question, not {other!r}")
            _check_show_if(target, values, file, where)


def _check_default(question: Question, file: str, where: str) -> None:
    try:
        question.kind.check_default(question)
    except ConditionError as error:
        raise RulebookError(f"{file}: {where}: bad default: {error}") from error


def _check_show_if(target: Question, values: tuple[Any, ...], file: str, where: str) -> None:
    """show_if compares answers by equality: plain values of a question that takes one answer."""
    if not target.kind.show_if_target:
        raise RulebookError(f"{file}: {where}: show_if cannot name {target.id}, a {target.type} question")
    for value in values:
        if isinstance(value, (Mapping, list)):
            raise RulebookError(f"{file}: {where}: show_if lists plain answers of {target.id}, not {value!r}")
        try:
            target.kind.check_value(target, value)
        except ConditionError as error:
            raise RulebookError(f"{file}: {where}: show_if: {error}") from error


def _catalogue(raw: Mapping[str, Any], file: str) -> tuple[dict[str, Caution], dict[str, str]]:
    _only_keys(raw, {"cautions", "preparation"}, file, "the file")
    cautions: dict[str, Caution] = {}
    for code, item in (raw.get("cautions") or {}).items():
        where = f"caution {code}"
        _only_keys(item, {"severity", "text"}, file, where)
        severity = _required(item, "severity", file, where)
        if severity not in SEVERITIES:
            raise RulebookError(f"{file}: {where}: severity must be one of {', '.join(SEVERITIES)}")
        cautions[code] = Caution(code, severity, str(_required(item, "text", file, where)))
    preparation: dict[str, str] = {}
    for code, item in (raw.get("preparation") or {}).items():
        _only_keys(item, {"text"}, file, f"preparation {code}")
        preparation[code] = str(_required(item, "text", file, f"preparation {code}"))
    return cautions, preparation


def _groups(raw: Any) -> dict[str, Mapping[str, Any]]:
    _only_keys(raw, set(raw) if isinstance(raw, Mapping) else set(), "rulebook.yaml", "groups")
    for name, group in raw.items():
        _only_keys(group, {"required", "description"}, "rulebook.yaml", f"group {name}")
    if DECISION_GROUP not in raw:
        raise RulebookError(f"rulebook.yaml: groups: the '{DECISION_GROUP}' group must be declared")
    return dict(raw)


def _named_conditions(raw: Any, fields: Mapping[str, Question]) -> dict[str, Condition]:
    named: dict[str, Condition] = {}
    if not isinstance(raw, Mapping):
        raise RulebookError("rulebook.yaml: conditions: must be a mapping")
    for name, condition in raw.items():
        try:
            named[name] = conditions.parse(condition, fields, named)
        except ConditionError as error:
            raise RulebookError(f"rulebook.yaml: condition {name}: {error}") from error
    return named


def _rule(
    raw: Any,
    file: str,
    fields: Mapping[str, Question],
    named: Mapping[str, Condition],
    groups: Mapping[str, Any],
    cautions: Mapping[str, Caution],
    preparation: Mapping[str, str],
) -> Rule:
    rule_id = raw.get("id") if isinstance(raw, Mapping) else None
    where = f"rule {rule_id or '?'}"
    _only_keys(raw, RULE_KEYS, file, where)
    if not isinstance(rule_id, str) or not rule_id.isidentifier():
        raise RulebookError(f"{file}: {where}: 'id' must be a lowercase identifier")

    def fail(message: str) -> RulebookError:
        return RulebookError(f"{file}: {where}: {message}")

    source = _required(raw, "source", file, where)
    if source not in SOURCES:
        raise fail(f"source must be one of {', '.join(SOURCES)}")
    group = raw.get("group")
    if group is not None and group not in groups:
        raise fail(f"group {group!r} is not declared in rulebook.yaml")
    decision = raw.get("decision")
    if decision is not None and decision not in DECISIONS:
        raise fail(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if (decision is None) == (group == DECISION_GROUP):
        raise fail(f"rules in the '{DECISION_GROUP}' group, and only they, set a decision")
    applies_to = raw.get("applies_to")
    if applies_to is not None:
        if decision is not None:
            raise fail("a decision rule cannot depend on the decision (applies_to)")
        if not isinstance(applies_to, list) or not set(applies_to) <= set(DECISIONS) or not applies_to:
            raise fail(f"applies_to must list decisions from {', '.join(DECISIONS)}")
    refer = raw.get("refer", False)
    if not isinstance(refer, bool):
        raise fail("refer must be true or false")
    rule_cautions = _codes(raw.get("cautions"), cautions, "caution", fail)
    rule_preparation = _codes(raw.get("preparation"), preparation, "preparation", fail)
    variant = raw.get("variant")
    if variant is not None:
        _only_keys(variant, {"code", "alternative", "reason"}, file, f"{where}: variant")
        if variant.get("code") not in VARIANTS or variant.get("alternative") not in (*VARIANTS, None):
            raise fail(f"variant codes must be from {', '.join(VARIANTS)}")
        if variant["alternative"] == variant["code"] or not variant.get("reason"):
            raise fail("a variant needs a reason and an alternative other than itself")
    timing = raw.get("timing")
    if timing is not None:
        _only_keys(timing, {"code", "note"}, file, f"{where}: timing")
        if timing.get("code") not in TIMINGS or not timing.get("note"):
            raise fail(f"timing needs a code from {', '.join(TIMINGS)} and a note")
    if not (decision or rule_cautions or rule_preparation or variant or timing):
        raise fail("the rule has no outcome")
    try:
        when = conditions.parse(_required(raw, "when", file, where), fields, named)
    except ConditionError as error:
        raise fail(f"when: {error}") from error
    return Rule(
        id=rule_id,
        file=file,
        source=source,
        reason=str(_required(raw, "reason", file, where)),
        when=when,
        durable_condition=conditions.to_durable(when, fields),
        group=group,
        applies_to=frozenset(applies_to) if applies_to else None,
        decision=decision,
        refer=refer,
        cautions=rule_cautions,
        preparation=rule_preparation,
        variant=variant,
        timing=timing,
    )


def _codes(raw: Any, known: Mapping[str, Any], kind: str, fail: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or any(code not in known for code in raw):
        raise fail(f"{kind} codes must be a list of codes from catalogue.yaml, got {raw!r}")
    return tuple(raw)


def _example(raw: Any, file: str) -> Example:
    name = raw.get("name") if isinstance(raw, Mapping) else None
    where = f"example {name or '?'}"
    _only_keys(raw, {"name", "answers", "expect"}, file, where)
    answers = _required(raw, "answers", file, where)
    expect = _required(raw, "expect", file, where)
    _only_keys(expect, EXPECT_KEYS, file, f"{where}: expect")
    if not isinstance(answers, Mapping) or "decision" not in expect or "rules" not in expect:
        raise RulebookError(f"{file}: {where}: needs answers and an expected decision and rules")
    return Example(file=file, name=str(name), answers=answers, expect=expect)


def _check_coverage(rules: list[Rule], examples: list[Example], file: str) -> None:
    covered = {rule_id for example in examples for rule_id in example.expect.get("rules", ())}
    for rule in rules:
        if rule.id not in covered:
            raise RulebookError(f"{file}: rule {rule.id}: no example in this file expects it to take effect")


def _check_unique_ids(rules: list[Rule]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise RulebookError(f"{rule.file}: rule {rule.id}: the id is already used in {seen[rule.id]}")
        seen[rule.id] = rule.file


def _check_groups(rules: list[Rule], groups: Mapping[str, Mapping[str, Any]]) -> None:
    for name, group in groups.items():
        members = [rule for rule in rules if rule.group == name]
        if not members:
            raise RulebookError(f"rulebook.yaml: group {name}: no rule belongs to it")
        if group.get("required") and not isinstance(members[-1].when, conditions.Always):
            last = members[-1]
            raise RulebookError(
                f"{last.file}: rule {last.id}: the last rule of required group {name} must be 'when: always'"
            )


def _check_expect(example: Example, known_rules: set[str], cautions: Mapping[str, Caution],
                  preparation: Mapping[str, str]) -> None:
    where = f"{example.file}: example {example.name}"
    expect = example.expect
    checks = {
        "decision": (lambda v: v in DECISIONS),
        "refer": (lambda v: isinstance(v, bool)),
        "variant": (lambda v: v is None or v in VARIANTS),
        "timing": (lambda v: isinstance(v, list) and set(v) <= set(TIMINGS)),
        "cautions": (lambda v: isinstance(v, list) and set(v) <= set(cautions)),
        "preparation": (lambda v: isinstance(v, list) and set(v) <= set(preparation)),
        "rules": (lambda v: isinstance(v, list) and set(v) <= known_rules),
    }
    for key, value in expect.items():
        if not checks[key](value):
            raise RulebookError(f"{where}: expect.{key} has an unknown code or the wrong type: {value!r}")
