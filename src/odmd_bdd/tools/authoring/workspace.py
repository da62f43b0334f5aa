"""The project the authoring tools work on: its root, dataset, markers and feature files.

The root is found like pytest finds its rootdir for this project: the nearest directory,
from the current one upwards, holding a `pyproject.toml` or a `conftest.py`. The dataset
is the one the plugin uses: `fixtures/envers/constellation.yaml` under the root (or
`--constellation`).
"""

from __future__ import annotations

import argparse
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from odmd_bdd.data.constellation import Constellation
from odmd_bdd.data.dataset import Dataset
from odmd_bdd.errors import OdmdError
from odmd_bdd.names import DEFAULT_CONSTELLATION

# Markers pytest itself registers; a feature may use them as tags (@skip, @xfail …).
BUILTIN_MARKERS = frozenset(
    {"skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings", "tryfirst", "trylast"}
)


def find_root(start: Path | None = None) -> Path:
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() or (folder / "conftest.py").is_file():
            return folder
    return start


def add_options(parser: argparse.ArgumentParser, *, constellation: bool = True) -> None:
    """The options that say which project a command works on: --root (and --constellation)."""
    parser.add_argument("--root", metavar="DIR", help="project root (default: found from the current folder)")
    if constellation:
        parser.add_argument(
            "--constellation",
            metavar="PATH",
            help=f"constellation file (default: {DEFAULT_CONSTELLATION.as_posix()} under the root)",
        )


def marker_name(tag: str) -> str:
    """The pytest marker a Gherkin tag becomes (the plugin turns `phase:0b` into `phase-0b`)."""
    return tag.lstrip("@").replace(":", "-")


@dataclass
class Workspace:
    root: Path
    constellation_path: Path | None = None
    cwd: Path = field(default_factory=Path.cwd)

    @classmethod
    def at(cls, root: str | Path | None = None, constellation: str | Path | None = None) -> Workspace:
        base = Path(root).resolve() if root else find_root()
        if not base.is_dir():
            raise OdmdError(f"project root {base} is not a directory")
        return cls(root=base, constellation_path=Path(constellation).resolve() if constellation else None)

    # --- what the plugin would load ----------------------------------------------------------

    @cached_property
    def constellation(self) -> Constellation:
        path = self.constellation_path or self.root / DEFAULT_CONSTELLATION
        if not path.is_file():
            raise OdmdError(f"no constellation file at {path} (run from the project, or pass --root / --constellation)")
        return Constellation.load(path)

    @cached_property
    def dataset(self) -> Dataset:
        return self.constellation.dataset

    @cached_property
    def markers(self) -> set[str]:
        """Marker names registered in pyproject.toml's [tool.pytest.ini_options].markers, pytest's own,
        and the dataset's use cases (the plugin registers those, lower case)."""
        path = self.root / "pyproject.toml"
        names = set(BUILTIN_MARKERS)
        try:
            names |= {uc.lower() for uc in self.dataset.titles}
        except OdmdError:
            pass  # no dataset: lint says so where it reads one
        if not path.is_file():
            return names
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise OdmdError(f"{path}: invalid TOML: {exc}") from None
        for line in data.get("tool", {}).get("pytest", {}).get("ini_options", {}).get("markers", []):
            names.add(str(line).split(":", 1)[0].split("(", 1)[0].strip())
        return names

    # --- files ---------------------------------------------------------------------------------

    def feature_files(self, paths: list[str] | None = None) -> list[Path]:
        """The .feature files under the given files or folders (default: features/ of the root), sorted."""
        targets = [Path(p) for p in paths] if paths else [self.root / "features"]
        found: set[Path] = set()
        for target in targets:
            target = target if target.is_absolute() else (self.cwd / target)
            if target.is_dir():
                found.update(p.resolve() for p in target.rglob("*.feature"))
            elif target.is_file():
                found.add(target.resolve())
            else:
                raise OdmdError(f"{target}: no such file or folder")
        return sorted(found)

    def show(self, path: Path) -> str:
        """How a path is printed: relative to the current folder when under it, else to the root."""
        for base in (self.cwd, self.root):
            try:
                return str(path.resolve().relative_to(base.resolve()))
            except ValueError:
                continue
        return str(path)
