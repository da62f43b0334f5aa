"""The project's step definitions, loaded the way pytest loads them.

The root `conftest.py` names the step modules (`STEP_MODULES`, or `pytest_plugins`); we run it, import those
modules from the project root and read the step fixtures pytest-bdd's `@given/@when/@then`
put in each module (`pytestbdd_stepdef_*`), each carrying a `StepFunctionContext` with the
step type, the function and its parser.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from pytest_bdd import parsers
from pytest_bdd.steps import StepNamePrefix, step_function_context_registry

from odmd_bdd.errors import OdmdError
from odmd_bdd.tools.authoring.features import FeatureDoc, FeatureStep
from odmd_bdd.tools.authoring.layers import step_layers

KEYWORD_ORDER = {"given": 0, "when": 1, "then": 2, None: 3}
_FIELD = re.compile(r"(?<!\{)\{([^{}:]*)(?::([^{}]*))?\}(?!\})")
_CONSTANT = re.compile(r"\$\{[^}]*\}|<[^<>]+>")


@dataclass
class StepDef:
    type: str | None  # given | when | then | None (any)
    parser: parsers.StepParser
    func: object
    module: str
    source: str  # file:line of the function, relative to the project root
    layers: tuple[str, ...]
    converters: dict

    @property
    def keyword(self) -> str:
        return (self.type or "step").capitalize()

    @property
    def pattern(self) -> str:
        return self.parser.name if isinstance(self.parser.name, str) else str(self.parser.name)

    @property
    def line(self) -> str:
        return f"{self.keyword} {self.pattern}"

    @property
    def parser_kind(self) -> str:
        return type(self.parser).__name__

    @property
    def parameters(self) -> list[dict[str, str]]:
        if isinstance(self.parser, parsers.re):
            groups = self.parser.regex.groupindex
            names = sorted(groups, key=lambda name: groups[name])
            fields = [(name, "") for name in names]
        elif isinstance(self.parser, parsers.parse):  # parse and cfparse
            fields = _FIELD.findall(self.pattern)
        else:
            fields = []
        out = []
        for name, spec in fields:
            converter = self.converters.get(name)
            kind = getattr(converter, "__name__", None) or spec or "text"
            out.append({"name": name or "(positional)", "type": kind})
        return out

    @property
    def doc(self) -> str:
        text = inspect.getdoc(self.func) or ""
        return " ".join(text.split("\n\n", 1)[0].split())

    def matches(self, step_type: str, text: str) -> bool:
        if self.type is not None and self.type != step_type:
            return False
        try:
            return bool(self.parser.is_matching(text))
        except Exception:  # a user parser that raises on odd text does not match it
            return False

    def sort_key(self) -> tuple:
        return (KEYWORD_ORDER.get(self.type, 3), self.pattern, self.module)

    def normalised(self) -> str:
        return normalise_pattern(self.pattern)


def normalise_pattern(pattern: str) -> str:
    return _FIELD.sub("{}", pattern)


def normalise_text(text: str) -> str:
    """A feature step's text with its ${CONSTANTS} and <placeholders> as `{}`, to compare with patterns."""
    return _CONSTANT.sub("{}", text)


# --- loading ------------------------------------------------------------------------------


def _under(path: str | None, root: Path) -> bool:
    if not path:
        return False
    try:
        Path(path).resolve().relative_to(root)
        return True
    except ValueError:
        return False


@contextmanager
def _project_imports(root: Path) -> Iterator[Callable[[str], ModuleType]]:
    """Import modules from `root`, shadowing same-named modules another project already loaded
    (the engine's own tests lint copies of this project in-process); restore them afterwards."""
    sys.path.insert(0, str(root))
    shadowed: dict[str, ModuleType] = {}
    touched: set[str] = set()

    def load(name: str) -> ModuleType:
        top = name.split(".")[0]
        if top not in touched:
            touched.add(top)
            existing = sys.modules.get(top)
            if existing is not None and not _under(getattr(existing, "__file__", None), root):
                for key in [k for k in sys.modules if k == top or k.startswith(top + ".")]:
                    shadowed[key] = sys.modules.pop(key)
        return importlib.import_module(name)

    try:
        yield load
    finally:
        sys.path.remove(str(root))
        if shadowed:
            for top in touched:
                for key in [k for k in sys.modules if k == top or k.startswith(top + ".")]:
                    del sys.modules[key]
            sys.modules.update(shadowed)


def _plugin_names(module: ModuleType) -> list[str]:
    """The modules a conftest or step module loads: its `STEP_MODULES` (the project's conftest
    registers those itself) and its `pytest_plugins`."""
    names: list[str] = []
    for attribute in ("STEP_MODULES", "pytest_plugins"):
        listed = getattr(module, attribute, [])
        names += [listed] if isinstance(listed, str) else list(listed)
    return names


def _step_defs(module: ModuleType, root: Path) -> list[StepDef]:
    out = []
    for name, value in vars(module).items():
        if not name.startswith(StepNamePrefix.step_def.value):
            continue
        marker = getattr(value, "__wrapped__", value)
        context = step_function_context_registry.get(marker)
        if context is None:
            continue
        func = context.step_func
        try:
            source = inspect.getsourcefile(func) or module.__file__
            if source is None:
                raise OSError(f"no source file for {func!r}")
            file = Path(source).resolve()
            where = f"{file.relative_to(root)}:{inspect.getsourcelines(func)[1]}"
        except (TypeError, OSError, ValueError):
            where = getattr(module, "__file__", module.__name__)
        try:
            declared = step_layers(func, module)
        except ValueError as exc:
            raise OdmdError(str(exc)) from None
        out.append(
            StepDef(
                type=context.type,
                parser=context.parser,
                func=func,
                module=module.__name__,
                source=where,
                layers=declared,
                converters=dict(context.converters),
            )
        )
    return out


def load_steps(root: Path) -> list[StepDef]:
    """Every step definition the project registers, sorted by keyword then pattern."""
    root = root.resolve()
    conftest = root / "conftest.py"
    defs: list[StepDef] = []
    with _project_imports(root) as load:
        modules: list[ModuleType] = []
        if conftest.is_file():
            spec = importlib.util.spec_from_file_location("_odmd_bdd_project_conftest", conftest)
            if spec is None or spec.loader is None:
                raise OdmdError(f"{conftest}: cannot load it: not a Python module")
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except Exception as exc:
                raise OdmdError(f"{conftest}: cannot load it: {type(exc).__name__}: {exc}") from None
            modules.append(module)
            pending = _plugin_names(module)
        else:
            pending = sorted(f"steps.{p.stem}" for p in (root / "steps").glob("*_steps.py"))
        seen: set[str] = set()
        while pending:
            name = pending.pop(0)
            if name in seen:
                continue
            seen.add(name)
            try:
                module = load(name)
            except Exception as exc:
                raise OdmdError(
                    f"cannot import the step module {name} (named in {conftest.name}): {type(exc).__name__}: {exc}"
                ) from None
            modules.append(module)
            pending += _plugin_names(module)
        for module in modules:
            defs += _step_defs(module, root)
    return sorted(defs, key=StepDef.sort_key)


def examples(defs: list[StepDef], docs: list[FeatureDoc]) -> dict[int, tuple[FeatureDoc, FeatureStep]]:
    """For each step definition (by index), the first feature step that uses it."""
    found: dict[int, tuple[FeatureDoc, FeatureStep]] = {}
    for doc in docs:
        for step, scenario in doc.steps():
            text = scenario.render(step.text, scenario.renderings()[0])
            for i, d in enumerate(defs):
                if i not in found and d.matches(step.type, text):
                    found[i] = (doc, step)
        if len(found) == len(defs):
            break
    return found
