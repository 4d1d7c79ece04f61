"""Package attributes imported on first use, so `import deepmotif.zoo` stays cheap.

Some exported functions share their module's name (`deepmotif.zoo.export` the function lives in
`deepmotif.zoo.export` the module). Python's import system sets the package attribute to the
submodule when it is imported, which would silently turn `zoo.export(...)` into calling a module;
the package class installed here keeps the function.
"""

from __future__ import annotations

import importlib
import sys
import types


def install(package: str, exports: dict[str, str]) -> None:
    """Make `package.<name>` resolve lazily to `getattr(import_module(exports[name]), name)`."""

    class LazyPackage(types.ModuleType):
        def __setattr__(self, name, value):
            if name in exports and isinstance(value, types.ModuleType):
                return  # a submodule named like an exported function: keep the function
            super().__setattr__(name, value)

        def __getattr__(self, name):
            if name in exports:
                return getattr(importlib.import_module(exports[name]), name)
            raise AttributeError(f"module {package!r} has no attribute {name!r}")

        def __dir__(self):
            return sorted(set(super().__dir__()) | set(exports))

    sys.modules[package].__class__ = LazyPackage
