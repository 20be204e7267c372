"""Ingest: read input files of each kind, validate every row, and hand back converted tables.

The layer stops at a :class:`ValidatedBatch`; loading it into storage is the pipeline's job, and it
loads a batch completely or not at all (:meth:`ValidatedBatch.raise_for_errors`).

>>> batch = parse_file("supply_links", "links.csv")      # doctest: +SKIP
>>> batch.errors[:3], batch.good_mask.sum()               # doctest: +SKIP
"""

from __future__ import annotations

from chainatlas.ingest.read import file_sha256, read_table
from chainatlas.ingest.templates import template_doc, write_template
from chainatlas.ingest.validate import ValidatedBatch, parse_file, validate, write_rejects

__all__ = [
    "ValidatedBatch",
    "file_sha256",
    "parse_file",
    "read_table",
    "template_doc",
    "validate",
    "write_rejects",
    "write_template",
]
