"""Pure analytics: functions on DataFrames, NumPy arrays and igraph graphs; no database, no files.

Modules (import the one you need; nothing heavy is imported here):

- :mod:`chainatlas.analytics.networks`   graphs from edge lists, node metrics, cores, communities, multiplex
- :mod:`chainatlas.analytics.gravity`    great-circle distances, modified gravity, observed vs expected linkage
- :mod:`chainatlas.analytics.io`         input–output coefficients, Leontief / Ghosh inverses, linkages, extraction
- :mod:`chainatlas.analytics.spatial`    spatial weights, global and local Moran's I (libpysal / esda)
- :mod:`chainatlas.analytics.complexity` RCA, ECI / PCI, proximity, relatedness density, opportunities
- :mod:`chainatlas.analytics.coupling`   entropy weights, coupling coordination (standard and Wang et al. 2021)
- :mod:`chainatlas.analytics.chains`     location quotients, chain completeness (断链, single points), HHI, Krugman,
  Hoover, import dependence, supplier concentration
- :mod:`chainatlas.analytics.paths`       innovation → industry path: conversion rates, lags, transfer destinations
- :mod:`chainatlas.analytics.diagnostics` the paper's readings: node tiers, practice modes, 创新地 + 产业地 pairing
- :mod:`chainatlas.analytics.history`     indicator history: change, year-ago change, Theil–Sen trend, rank among peers
- :mod:`chainatlas.analytics.alerting`    monitoring rules as data: rule types, evaluators, pending/resolve hysteresis
- :mod:`chainatlas.analytics.disclosure`  disclosure control of linked hierarchical tables: threshold and dominance
  rules, secondary suppression, the LP audit (HiGHS)
- :mod:`chainatlas.analytics.shock`       firm-level supply-shock propagation (平战转换) and the systemic-risk index
- :mod:`chainatlas.analytics.cooperation` enclave ledger rules, 亩均效益 grades, tax-increment sharing, voucher flows

Conventions: numpydoc docstrings with the formula in Notes, a runnable Example and References; inputs are never
modified; bad arguments raise :class:`chainatlas.errors.ConfigError` naming the parameter; anything random takes
a ``seed``; results with several outputs are small frozen dataclasses with documented fields.
"""

from __future__ import annotations

__all__ = ["chains", "complexity", "coupling", "diagnostics", "gravity", "io", "networks", "paths", "spatial"]
