"""The browser UI (全景描绘): plain ES modules and CSS in ``static/``, served by :mod:`chainatlas.api`.

Apache ECharts is not committed: ``make web-assets`` installs the version pinned in the repository's
``package-lock.json`` from the npm registry and copies it to ``static/vendor/`` (git-ignored, shipped
in the wheel). Nothing is loaded from the network at run time: map geometry comes from
``/api/geo`` and fonts are the system's.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["static_dir", "vendor_ready"]

_STATIC = Path(__file__).resolve().parent / "static"


def static_dir() -> Path:
    """The folder of the UI's static files."""
    return _STATIC


def vendor_ready() -> bool:
    """Whether the vendored browser libraries are installed (``make web-assets``)."""
    return (_STATIC / "vendor" / "echarts.esm.min.js").is_file()
