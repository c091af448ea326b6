"""Every public function and class has a docstring with an example, and every example runs (decision 0190).

Public: what ``hkvatax/__init__.py`` exports, and every object the API reference (docs/api.md) shows — a
``::: module`` entry stands for the functions and classes of the module's ``__all__``. The examples run as
doctests in the module's namespace under one fixed decimal context (so a caller's context cannot change
them); an object whose example needs an optional extra is skipped when the extra is not installed."""

from __future__ import annotations

import decimal
import doctest
import importlib
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

import hkvatax

API = Path(__file__).resolve().parents[1] / "docs" / "api.md"

#: modules whose examples need an optional extra (import name), skipped without it
EXTRAS: dict[str, str] = {"hkvatax.render.frames": "pandas", "hkvatax.render.charts": "matplotlib"}
#: methods whose examples need an optional extra
METHOD_EXTRAS: dict[str, str] = {"to_frames": "pandas", "to_pandas": "pandas", "plot_waterfall": "matplotlib",
                                 "plot_tax_by_year": "matplotlib"}

#: the context every example runs in: the default one, whatever the caller's or another test's
FIXED = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN,
                        traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise LookupError(dotted)


def _documentable(value: object) -> bool:
    return (inspect.isclass(value) or inspect.isfunction(value)) and getattr(value, "__module__", "").startswith(
        "hkvatax")


def public_objects() -> dict[str, object]:
    """``{qualified name: object}`` of every public function and class, in the order the docs show them."""
    found: dict[str, object] = {}

    def add(value: object) -> None:
        if _documentable(value):
            found[f"{value.__module__}.{value.__qualname__}"] = value  # type: ignore[attr-defined]

    for name in hkvatax.__all__:
        add(getattr(hkvatax, name))
    for target in re.findall(r"^::: (\S+)", API.read_text(encoding="utf-8"), flags=re.M):
        value = _resolve(target)
        if isinstance(value, ModuleType):
            assert hasattr(value, "__all__"), f"{target} is in the API reference but has no __all__"
            for name in value.__all__:
                add(getattr(value, name))
        else:
            assert _documentable(value), f"{target} in docs/api.md is not a function or class of hkvatax"
            add(value)
    return found


def public_methods() -> dict[str, object]:
    """The public methods (not properties) of the classes a user holds: those hkvatax exports, and the
    :class:`~hkvatax.explain.Explanation` every assessment gives."""
    from hkvatax.explain import Explanation

    classes = [getattr(hkvatax, n) for n in hkvatax.__all__ if inspect.isclass(getattr(hkvatax, n))]
    found: dict[str, object] = {}
    for cls in [*classes, Explanation]:
        for name, member in vars(cls).items():
            function = member.__func__ if isinstance(member, classmethod | staticmethod) else member
            if not name.startswith("_") and inspect.isfunction(function):
                found[f"{cls.__module__}.{cls.__qualname__}.{name}"] = function
    return found


PUBLIC = public_objects()
METHODS = public_methods()


def _module_of(value: object) -> ModuleType:
    module = inspect.getmodule(value)
    assert module is not None
    return module


def test_the_api_reference_shows_every_public_module_and_the_package_exports() -> None:
    shown = set(re.findall(r"^::: (\S+)", API.read_text(encoding="utf-8"), flags=re.M))
    for module in ("hkvatax.models", "hkvatax.periods", "hkvatax.io.importers", "hkvatax.money", "hkvatax.errors",
                   "hkvatax.trace"):
        assert module in shown, f"{module} is not in docs/api.md"
    assert len(PUBLIC) > 140
    for name in hkvatax.__all__:
        value = getattr(hkvatax, name)
        if _documentable(value):
            assert f"{value.__module__}.{value.__qualname__}" in PUBLIC


def test_every_public_function_and_class_has_a_docstring_with_an_example() -> None:
    missing = [name for name, value in PUBLIC.items() if not (value.__doc__ or "").strip()]  # its own docstring
    assert not missing, f"no docstring: {missing}"
    without = [name for name, value in PUBLIC.items() if ">>>" not in (value.__doc__ or "")]  # its own, not inherited
    assert not without, f"no example (>>>) in the docstring: {without}"


def test_every_public_method_of_the_exported_classes_has_a_docstring_with_an_example() -> None:
    assert len(METHODS) > 35
    without = [name for name, value in METHODS.items() if ">>>" not in (value.__doc__ or "")]
    assert not without, f"no example (>>>) in the docstring: {without}"


def _examples(value: object) -> list[doctest.DocTest]:
    module = _module_of(value)
    finder = doctest.DocTestFinder(recurse=False, exclude_empty=True)
    name = f"{module.__name__}.{value.__qualname__}"  # type: ignore[attr-defined]
    # a method's examples run in its module's namespace, as its class's do
    return finder.find(value, name, module=module, globs=dict(vars(module)))


@pytest.mark.parametrize("name", [*PUBLIC, *METHODS])
def test_the_example_runs(name: str) -> None:
    value = PUBLIC.get(name) or METHODS[name]
    extra = EXTRAS.get(_module_of(value).__name__) or METHOD_EXTRAS.get(name.rsplit(".", 1)[-1])
    if extra is not None:
        pytest.importorskip(extra)
    tests = _examples(value)
    assert tests and any(t.examples for t in tests), f"{name} has no runnable example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    out: Callable[[str], object] = report.append
    with decimal.localcontext(FIXED):
        for test in tests:
            runner.run(test, out=out)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)
    assert result.attempted > 0, f"{name}: every example is skipped"


def test_docstring_examples_stay_out_of_the_published_schemas() -> None:
    """pydantic describes a model by its docstring: the schema and the OpenAPI document keep the description
    and drop the examples."""
    import json

    from hkvatax.schemas import scenario_schema

    text = json.dumps(scenario_schema())
    assert ">>>" not in text and "Examples:" not in text
    assert "A purchase of ``quantity`` of ``asset``" in text  # the description itself is kept
    pytest.importorskip("fastapi")
    from hkvatax.server import ServerSettings, create_app

    app = create_app(ServerSettings(workers=0))
    assert ">>>" not in json.dumps(app.openapi())
