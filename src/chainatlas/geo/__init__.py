"""Bundled real geography of the Yangtze River Delta (长三角) and its functional areas.

Shanghai + Jiangsu (13) + Zhejiang (11) + Anhui (16) = 41 prefecture units, 305 county-level units and the four
provinces, with simplified boundaries, centroids, census population, the MoE list of universities, a crosswalk
for retired codes and the functional areas of the design (G60 科创走廊, 沪杭甬湾区, 沪宁杭合创新带, 一体化示范区),
the five innovation hubs (:data:`HUBS`) and ISO 3166 countries with
their trade regions (:mod:`chainatlas.geo.countries`). Sources and licences: ``chainatlas/data/geo/ATTRIBUTION.md``; the files are rebuilt by ``tools/make_geo_data.py``.

Everything works offline; data is read lazily on first use and cached.
"""

from __future__ import annotations

from chainatlas.geo._data import boundaries, locate, place, places, universities
from chainatlas.geo.adcodes import normalize_adcode, normalize_adcodes, place_level, resolve_addresses
from chainatlas.geo.areas import HUBS, default_areas, scale_units, unit_names, validate_area
from chainatlas.geo.countries import country_region

__all__ = [
    "HUBS",
    "boundaries",
    "country_region",
    "default_areas",
    "locate",
    "normalize_adcode",
    "normalize_adcodes",
    "place",
    "place_level",
    "places",
    "resolve_addresses",
    "scale_units",
    "unit_names",
    "universities",
    "validate_area",
]
