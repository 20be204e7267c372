"""The Examples sections of the analytics docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["networks", "gravity", "io", "spatial", "complexity", "coupling", "chains", "diagnostics", "paths"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
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
