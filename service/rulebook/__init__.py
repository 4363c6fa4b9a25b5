"""The rulebook: questions, rules and their conditions, read from `rules/` and checked on load."""

from .loader import default_rules_dir, load
from .model import (
    DECISION_GROUP,
    DECISIONS,
    RECOMMENDING,
    TIMINGS,
    URGENCIES,
    VARIANTS,
    Caution,
    Example,
    Rule,
    Rulebook,
    RulebookError,
)
from .questions import Option, Question

__all__ = [
    "DECISIONS",
    "DECISION_GROUP",
    "RECOMMENDING",
    "TIMINGS",
    "URGENCIES",
    "VARIANTS",
    "Caution",
    "Example",
    "Option",
    "Question",
    "Rule",
    "Rulebook",
    "RulebookError",
    "default_rules_dir",
    "load",
]
