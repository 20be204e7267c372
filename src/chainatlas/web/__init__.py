"""The browser UI (全景描绘): plain ES modules and CSS in ``static/``, served by :mod:`chainatlas.api`.

The browser libraries are not committed: ``make web-assets`` installs the versions pinned in the
repository's ``package-lock.json`` from the npm registry and copies them to ``static/vendor/``
(git-ignored, shipped in the wheel): Apache ECharts for the map UI and Swagger UI for the API docs at
``/docs``. Nothing is loaded from the network at run time: map geometry comes from ``/api/geo``,
fonts are the system's, and the docs page reads ``/openapi.json`` with Swagger UI's online validator
turned off.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SWAGGER_UI", "VENDORED", "static_dir", "vendor_ready"]

_STATIC = Path(__file__).resolve().parent / "static"

#: Swagger UI's folder under ``static/`` (bundle, stylesheet, icon; see ``mk/web.mk``)
SWAGGER_UI = "vendor/swagger-ui"
#: one file of each vendored library, relative to ``static/``: all present means installed
VENDORED = ("vendor/echarts.esm.min.js", f"{SWAGGER_UI}/swagger-ui-bundle.js", f"{SWAGGER_UI}/swagger-ui.css")


def static_dir() -> Path:
    """The folder of the UI's static files."""
    return _STATIC


def vendor_ready() -> bool:
    """Whether the vendored browser libraries are installed (``make web-assets``)."""
    return all((_STATIC / f).is_file() for f in VENDORED)
