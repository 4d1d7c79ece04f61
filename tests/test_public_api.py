"""README's "Python API" list is the public API: every name it lists exists, every export of the three
packages is listed, and every listed function has a numpydoc docstring naming each parameter."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
PACKAGES = ("deepmotif.datasets", "deepmotif.zoo", "deepmotif.interpret")


def _listed() -> dict[str, list[str]]:
    """`{module: [names]}` from the README's bullets "- `deepmotif.x`: `name`, `name`, ..."."""
    text = README.read_text()
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    listed = {}
    for bullet in re.split(r"\n- ", "\n" + section)[1:]:
        match = re.match(r"`(deepmotif(?:\.\w+)+)`:(.*)", bullet, re.S)
        if match:
            body = match.group(2).split("Builders:")[0]
            listed[match.group(1)] = [n for n in re.findall(r"`([^`]+)`", body) if n.isidentifier()]
    return listed


def test_readme_lists_each_package():
    assert set(PACKAGES) <= set(_listed())


@pytest.mark.parametrize("module", sorted(_listed()))
def test_every_listed_name_exists(module):
    imported = importlib.import_module(module)
    missing = [name for name in _listed()[module] if not hasattr(imported, name)]
    assert not missing, f"README lists {module}.{missing} but there is no such name"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_export_is_listed(package):
    unlisted = sorted(set(importlib.import_module(package).__all__) - set(_listed()[package]))
    assert not unlisted, f"{package} exports {unlisted}, which README's Python API section does not list"


def _functions():
    for module, names in sorted(_listed().items()):
        for name in names:
            obj = getattr(importlib.import_module(module), name, None)
            if inspect.isfunction(obj):
                yield pytest.param(obj, id=f"{module}.{name}")


@pytest.mark.parametrize("function", list(_functions()))
def test_listed_functions_have_numpydoc_naming_every_parameter(function):
    doc = inspect.getdoc(function) or ""
    parameters = [p.name for p in inspect.signature(function).parameters.values()]
    if parameters:
        assert "Parameters\n----------" in doc, f"{function.__qualname__}: no numpydoc Parameters section"
        undocumented = [p for p in parameters if not re.search(rf"(^|[\s,*]){p}\b.*:|^\*\*{p}$", doc, re.M)]
        assert not undocumented, f"{function.__qualname__}: parameters not documented: {undocumented}"
    assert re.search(r"^(Returns|Yields)\n-{6,}$", doc, re.M), f"{function.__qualname__}: no Returns section"
