"""Builds the wheel with the shipped data inside the package; everything else is in pyproject.toml.

The checkout keeps one copy of the rulebook and the OpenAPI document at its top level; the wheel
carries them where service/shipped.py looks (importlib.resources), so an installed copy needs no
checkout. Editable installs are left alone: they read the top-level files in place.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# Top-level source -> its place in the wheel.
SHIPPED = {
    "rules": "service/rulebook/rules",
    "openapi.yaml": "service/web/openapi.yaml",
    "migrations": "service/intake/migrations",
}


class BuildPyWithShippedData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for source, target in SHIPPED.items():
            destination = Path(self.build_lib) / target
            if Path(source).is_dir():
                for file in sorted(f for f in Path(source).rglob("*") if f.is_file() and "__pycache__" not in f.parts):
                    self.mkpath(str(destination / file.parent.relative_to(source)))
                    self.copy_file(str(file), str(destination / file.relative_to(source)), preserve_mode=False)
            else:
                self.copy_file(source, str(destination), preserve_mode=False)


setup(cmdclass={"build_py": BuildPyWithShippedData})
