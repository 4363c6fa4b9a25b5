"""Files the service ships with (the rulebook, the OpenAPI document), wherever it runs from.

The source checkout keeps one copy of each at its top level (`rules/`, `openapi.yaml`). Building a
wheel copies them into the package (see setup.py), where importlib.resources finds them; a source
checkout or an editable install has no such copy and reads the top-level one.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def path(package: str, name: str) -> Path:
    """`name` inside `package` when the wheel put it there, else `name` at the checkout's top level."""
    packaged = resources.files(package) / name
    if isinstance(packaged, Path) and packaged.exists():
        return packaged
    return CHECKOUT / name
