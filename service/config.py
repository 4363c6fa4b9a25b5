"""Settings: defaults, then SERVICE_* environment variables, then test overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Config

from .errors import ConfigError
from .screening.batch import BODY_BYTES_PER_ITEM
from .screening.screener import CACHE_MAX_CLASSES

DEFAULTS: dict[str, Any] = {
    "MAX_BODY_BYTES": 64 * 1024,
    "RULES_DIR": None,  # None: the rulebook shipped with the service (service/shipped.py)
    "CORS_ORIGINS": "*",  # origins whose pages may call the API and frame /form
    "BATCH_MAX": 1000,
    "BATCH_MAX_BODY_BYTES": None,  # None: BODY_BYTES_PER_ITEM for each of BATCH_MAX items
    "API_KEYS": "",  # name:key,name:key
    "API_KEYS_FILE": None,
    # About one request a second per address: a person on the form or curl never needs more,
    # and scripts that do are meant to use a key. 0 = a key is required; none = unlimited.
    "ANON_RATE_LIMIT": "60/minute",
    "KEY_RATE_LIMIT": "1200/minute",  # room for a full batch (BATCH_MAX items cost BATCH_MAX)
    "AUTH_FAIL_RATE_LIMIT": "10/minute",  # wrong keys per address, on top of its anonymous quota
    "ANON_BATCH_MAX": 20,  # items in one batch without a key; each item counts against the quota
    "RATE_LIMIT_STORAGE": "memory://",
    "RATE_LIMIT_FAIL": "open",  # when the storage is down: open (serve unlimited) or closed (503)
    "METRICS_PUBLIC": False,  # /metrics names every key and its traffic: it needs a key unless this is set
    "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-For/-Proto are believed
    "ACCESS_LOG": True,
    "OUTCOME_CACHE_MAX_CLASSES": CACHE_MAX_CLASSES,  # 0 turns the outcome cache off
    "DATABASE_URL": None,  # None: DATABASE_URL from the environment, else an SQLite file under var/
    "PURGE_AT_START": True,
    "PURGE_CHECK_SECONDS": 3600,  # how often each process looks whether the daily purge is due; 0: never
}


def load(config: Config, test_config: Mapping[str, Any] | None = None) -> None:
    """Fill `config` in order of precedence, then turn the size settings into integers."""
    config.from_mapping(DEFAULTS)
    config.from_prefixed_env("SERVICE")
    config["DATABASE_URL"] = config["DATABASE_URL"] or os.environ.get("DATABASE_URL") or None
    if test_config:
        config.from_mapping(test_config)
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_BODY_BYTES"])
    config["BATCH_MAX"] = int(config["BATCH_MAX"])
    config["ANON_BATCH_MAX"] = min(int(config["ANON_BATCH_MAX"]), config["BATCH_MAX"])
    if config["BATCH_MAX_BODY_BYTES"] is None:
        config["BATCH_MAX_BODY_BYTES"] = BODY_BYTES_PER_ITEM * config["BATCH_MAX"]
    config["BATCH_MAX_BODY_BYTES"] = int(config["BATCH_MAX_BODY_BYTES"])
    anonymous_bytes = BODY_BYTES_PER_ITEM * config["ANON_BATCH_MAX"]
    config["ANON_BATCH_MAX_BODY_BYTES"] = min(anonymous_bytes, config["BATCH_MAX_BODY_BYTES"])
    config["TRUSTED_PROXIES"] = _count(config["TRUSTED_PROXIES"], "SERVICE_TRUSTED_PROXIES")


def _count(value: Any, setting: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise ConfigError(f"{setting}: {value!r} is not a whole number of 0 or more.")
    return number
