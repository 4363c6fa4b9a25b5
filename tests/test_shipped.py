"""The shipped rulebook and spec: the package's copy when a wheel put one there, else the checkout's."""

from __future__ import annotations

import shutil
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from service import shipped
from service.rulebook import RulebookError, default_rules_dir, load
from service.web import docs


def test_a_checkout_reads_the_top_level_copies() -> None:
    assert default_rules_dir() == shipped.CHECKOUT / "rules"
    assert docs.SPEC_PATH == shipped.CHECKOUT / "openapi.yaml"
    assert (default_rules_dir() / "rulebook.yaml").is_file() and docs.SPEC_PATH.is_file()


def test_a_copy_inside_the_package_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "fake_installed"
    (package / "rules").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert shipped.path("fake_installed", "rules") == package / "rules"
        assert shipped.path("fake_installed", "openapi.yaml") == shipped.CHECKOUT / "openapi.yaml"
    finally:
        sys.modules.pop("fake_installed", None)


def test_an_error_about_a_rules_directory_names_it(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match=f"the rules directory {tmp_path / 'nowhere'} does not exist"):
        load(tmp_path / "nowhere")
    with pytest.raises(RulebookError, match=f"schema/rulebook.json: cannot be read from {tmp_path} "):
        load(tmp_path)
    shutil.copytree(default_rules_dir() / "schema", tmp_path / "schema")
    with pytest.raises(RulebookError, match=f"rulebook.yaml: cannot be read from {tmp_path} "):
        load(tmp_path)


def test_the_spec_the_package_and_the_changelog_name_one_version() -> None:
    version = metadata.version("hip-ir-screening")
    assert yaml.safe_load(docs.SPEC_PATH.read_text())["info"]["version"] == version
    assert f"\n## {version} - " in (shipped.CHECKOUT / "CHANGELOG.md").read_text()
