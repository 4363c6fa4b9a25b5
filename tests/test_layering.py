"""Imports point one way: web -> intake -> screening -> rulebook -> errors; proof and CLI sit beside web."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[1] / "service"

# What each package may import from the service; anything else breaks the layering.
ALLOWED = {
    "rulebook": {"rulebook", "errors", "shipped"},
    "screening": {"screening", "rulebook", "errors"},
    "intake": {"intake", "screening", "rulebook", "errors", "shipped"},
    "web": {"web", "intake", "screening", "rulebook", "errors", "shipped"},
    "verification": {"verification", "screening", "rulebook", "errors"},
    "cli": {"cli", "intake", "screening", "rulebook", "errors", "verification"},
}


def service_imports(path: Path, root: Path = SERVICE) -> set[str]:
    """The top-level service packages a module imports (relative or absolute)."""
    package = path.relative_to(root).parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                parts = base + (node.module.split(".") if node.module else [])
                names = [a.name for a in node.names] if not parts else []
                found.update(parts[:1] or names)
            elif node.module and node.module.split(".")[0] == "service":
                found.update(node.module.split(".")[1:2] or [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("service."))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_lies_below_it(package: str) -> None:
    wrong = {
        str(path.relative_to(SERVICE)): sorted(service_imports(path) - ALLOWED[package])
        for path in sorted((SERVICE / package).rglob("*.py"))
    }
    assert {name: pkgs for name, pkgs in wrong.items() if pkgs} == {}


def test_errors_module_knows_nothing_of_http() -> None:
    assert service_imports(SERVICE / "errors.py") == set()
    assert service_imports(SERVICE / "shipped.py") == set()
    assert "flask" not in (SERVICE / "errors.py").read_text()


def test_only_the_app_factory_imports_web() -> None:
    importers = {
        str(path.relative_to(SERVICE))
        for path in SERVICE.rglob("*.py")
        if path.relative_to(SERVICE).parts[0] != "web" and "web" in service_imports(path)
    }
    assert importers == {"app.py"}


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    module = tmp_path / "rulebook" / "probe.py"
    module.parent.mkdir()
    module.write_text("from ..web import api\nfrom ..screening.screener import Screener\nimport service.cli.main\n")
    assert service_imports(module, root=tmp_path) == {"web", "screening", "cli"}
