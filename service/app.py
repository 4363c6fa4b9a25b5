"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import rulebook
from .screening.batch import BODY_BYTES_PER_ITEM
from .screening.preview import Previewer
from .screening.screener import CACHE_MAX_CLASSES, Screener
from .web import api, auth, cors, docs, errors, form, limits, observability, ops

DEFAULTS: dict[str, Any] = {
    "MAX_BODY_BYTES": 64 * 1024,
    "RULES_DIR": None,  # None: the repository's rules/ directory
    "CORS_ORIGINS": "*",  # origins whose pages may call the API and frame /form
    "BATCH_MAX": 1000,
    "BATCH_MAX_BODY_BYTES": None,  # None: BODY_BYTES_PER_ITEM for each of BATCH_MAX items
    "API_KEYS": "",  # name:key,name:key
    "API_KEYS_FILE": None,
    # About one request a second per address: a person on the form or curl never needs more,
    # and scripts that do are meant to use a key. 0 = a key is required; none = unlimited.
    "ANON_RATE_LIMIT": "60/minute",
    "KEY_RATE_LIMIT": "600/minute",
    "RATE_LIMIT_STORAGE": "memory://",
    "METRICS_REQUIRE_KEY": False,
    "ACCESS_LOG": True,
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
    app.config["BATCH_MAX"] = int(app.config["BATCH_MAX"])
    if app.config["BATCH_MAX_BODY_BYTES"] is None:
        app.config["BATCH_MAX_BODY_BYTES"] = BODY_BYTES_PER_ITEM * app.config["BATCH_MAX"]
    app.config["BATCH_MAX_BODY_BYTES"] = int(app.config["BATCH_MAX_BODY_BYTES"])
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the documented field order
    logging.basicConfig(level=logging.INFO)

    book = rulebook.load(app.config["RULES_DIR"])
    screener = Screener(book, cache_max_classes=int(app.config["OUTCOME_CACHE_MAX_CLASSES"]))
    screener.check_examples()
    app.extensions["screening"] = screener
    app.extensions["preview"] = Previewer(screener)
    app.extensions["questionnaire"] = book.questionnaire_json()

    errors.register(app)
    # Hook order matters: request id and clock first, then CORS preflights (answered before
    # any key is asked for), then who is calling, then their quota.
    observability.init_app(app)
    cors.init_app(app)
    auth.init_app(app)
    limits.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)
    docs.init_app(app)
    form.init_app(app)
    return app
