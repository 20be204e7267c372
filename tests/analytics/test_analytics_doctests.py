"""The Examples sections of the analytics docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

from chainatlas.analytics import matching, networks

# doctest collects only the docstrings of objects defined in the module it is given, so the networks
# package is tested through its public submodules (the private _util holds no examples)
NETWORKS = [
    f"networks.{m.name}" for m in pkgutil.iter_modules(networks.__path__) if not m.name.startswith("_")
]
MODULES = [
    *NETWORKS,
    "gravity",
    "io",
    "spatial",
    "complexity",
    "coupling",
    "chains",
    "diagnostics",
    "paths",
    "disclosure",
    "history",
    "alerting",
    "shock",
    "cooperation",
    "matching",
    "policy",
    "alliances",
    "opencalls",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    # matching's examples register terms in the process-wide tokenizer: they start from a fresh one, whatever
    # ran before in this process (the pipeline registers the chains' segment names)
    monkeypatch.setattr(matching, "_TOKENIZER", matching._Tokenizer())
    module = importlib.import_module(f"chainatlas.analytics.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("name", MODULES)
def test_public_functions_documented(name):
    module = importlib.import_module(f"chainatlas.analytics.{name}")
    for attr in module.__all__:
        obj = getattr(module, attr)
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__ or ""
            for section in ("Parameters", "Returns", "Notes", "Examples", "References"):
                assert section in doc, f"{name}.{attr}: missing {section}"
