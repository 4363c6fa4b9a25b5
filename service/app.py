"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import api, cors, errors, form, ops, rulebook
from .preview import Previewer
from .screening import Screener

DEFAULTS: dict[str, Any] = {
    "MAX_BODY_BYTES": 64 * 1024,
    "RULES_DIR": None,  # None: the repository's rules/ directory
    "CORS_ORIGINS": "*",  # origins whose pages may call the API and frame /form
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
    screener = Screener(book)
    screener.check_examples()
    app.extensions["screening"] = screener
    app.extensions["preview"] = Previewer(screener)
    app.extensions["questionnaire"] = book.questionnaire_json()

    errors.register(app)
    cors.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)
    form.init_app(app)
    return app
