"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import api, errors, ops, rulebook
from .screening import CACHE_MAX_CLASSES, Screener

DEFAULTS: dict[str, Any] = {
    "MAX_BODY_BYTES": 64 * 1024,
    "RULES_DIR": None,  # None: the repository's rules/ directory
    "OUTCOME_CACHE_MAX_CLASSES": CACHE_MAX_CLASSES,  # 0 turns the outcome cache off
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then SERVICE_* environment variables, then test overrides."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("SERVICE")
    if test_config:
        app.config.from_mapping(test_config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_BODY_BYTES"])
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the documented field order
    logging.basicConfig(level=logging.INFO)

    book = rulebook.load(app.config["RULES_DIR"])
    screener = Screener(book, cache_max_classes=int(app.config["OUTCOME_CACHE_MAX_CLASSES"]))
    screener.check_examples()
    app.extensions["screening"] = screener
    app.extensions["questionnaire"] = book.questionnaire_json()

    errors.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)
    return app
