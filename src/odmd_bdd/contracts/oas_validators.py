"""openapi-schema-validator's validators without importing pydantic at start-up.

The package's `__init__` imports its `validate` shortcut, whose validator cache reads its one
setting (`OPENAPI_SCHEMA_VALIDATOR_COMPILED_VALIDATOR_CACHE_MAX_SIZE`) through pydantic-settings:
pydantic, pydantic-core and pydantic-settings, a quarter of a pytest process's start-up, for a
shortcut odmd-bdd never calls (it compiles the validators itself, contracts.openapi). Before the
package is first imported, `openapi_schema_validator.settings` is registered as a stand-in that
loads the real module (the same file, the same pydantic settings object) the first time anything
asks it for something: a caller of the shortcut gets exactly what it got before, later.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any

SETTINGS = "openapi_schema_validator.settings"


class _DeferredSettings(types.ModuleType):
    def __init__(self, origin: str) -> None:
        super().__init__(SETTINGS)
        self.__file__ = origin
        self._origin = origin

    def _real(self) -> types.ModuleType:
        spec = importlib.util.spec_from_file_location(SETTINGS, self._origin)
        if spec is None or spec.loader is None:  # pragma: no cover - the file was there a moment ago
            raise ImportError(f"cannot load {SETTINGS} from {self._origin}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[SETTINGS] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules[SETTINGS] = self
            raise
        parent = sys.modules.get("openapi_schema_validator")
        if parent is not None:
            parent.settings = module  # type: ignore[attr-defined]
        return module

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        real = sys.modules.get(SETTINGS)
        return getattr(real if real is not None and real is not self else self._real(), name)

    def get_settings(self) -> Any:  # what the validator cache calls, first thing
        return self.__getattr__("get_settings")()

    def reset_settings_cache(self) -> None:
        self.__getattr__("reset_settings_cache")()


def defer_settings() -> None:
    """Register the stand-in, unless the package (and so its settings) is already imported."""
    if "openapi_schema_validator" in sys.modules or SETTINGS in sys.modules:
        return
    package = importlib.util.find_spec("openapi_schema_validator")  # finds it, imports nothing
    if package is None or not package.submodule_search_locations:
        return
    origin = f"{next(iter(package.submodule_search_locations))}/settings.py"
    sys.modules[SETTINGS] = _DeferredSettings(origin)


defer_settings()

from openapi_schema_validator import (  # noqa: E402 - after the stand-in
    OAS30ReadValidator,
    OAS30Validator,
    OAS30WriteValidator,
    OAS31Validator,
)

__all__ = ["OAS30ReadValidator", "OAS30Validator", "OAS30WriteValidator", "OAS31Validator", "defer_settings"]
