"""Seeded generator of the synthetic reference dataset (合成参考数据集), calibrated to real YRD geography.

>>> from chainatlas.synth import generate
>>> manifest = generate("demo-data", size="small", seed=0)  # doctest: +SKIP

See :mod:`chainatlas.synth.generate` for what is real, what is made up and how it is calibrated.
All firms and people in the output are fictitious; every row carries ``synthetic = 1``.
"""

from __future__ import annotations

from chainatlas.synth.generate import GENERATOR_VERSION, SIZES, ZH_HEADER_KINDS, generate

__all__ = ["GENERATOR_VERSION", "SIZES", "ZH_HEADER_KINDS", "generate"]
