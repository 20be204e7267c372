"""Settings: one table, each with its environment variable, default and help.

A test checks that every setting is documented in the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SETTINGS", "Setting", "db_path", "get", "side_file"]


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "CHAINATLAS_DB", "atlas.duckdb", "path of the atlas database file (DuckDB)"),
    Setting(
        "chains_dir",
        "CHAINATLAS_CHAINS_DIR",
        "",
        "folder of user chain YAML files added to the shipped chains",
    ),
    Setting(
        "threads", "CHAINATLAS_THREADS", "", "worker threads for the database engine (default: all cores)"
    ),
    Setting(
        "memory_limit",
        "CHAINATLAS_MEMORY_LIMIT",
        "3GB",
        "memory cap of the database engine (the process peaks about 0.3 GB above it)",
    ),
    Setting(
        "spark_master",
        "CHAINATLAS_SPARK_MASTER",
        "local[*]",
        "Spark master of `build --engine spark` (local[2], spark://host:7077, yarn); under spark-submit its own",
    ),
    Setting(
        "spark_conf",
        "CHAINATLAS_SPARK_CONF",
        "",
        "extra Spark settings of `build --engine spark`, key=value pairs separated by ';' "
        "(spark.driver.memory=8g;spark.executor.memory=16g)",
    ),
    Setting("host", "CHAINATLAS_HOST", "127.0.0.1", "address the API server listens on"),
    Setting("port", "CHAINATLAS_PORT", "8000", "port the API server listens on"),
    Setting(
        "api_analyses",
        "CHAINATLAS_API_ANALYSES",
        "2",
        "analysis topics the API computes at once; more wait up to 30 s, then get 503 with Retry-After",
    ),
    Setting(
        "api_permutation_budget",
        "CHAINATLAS_API_PERMUTATION_BUDGET",
        "100000000",
        "most permutations × units² one API analysis (QAP, Moran's I) may ask for; the CLI has no such cap",
    ),
    Setting(
        "upload_errors_kept",
        "CHAINATLAS_UPLOAD_ERRORS_KEPT",
        "1000",
        "validation errors of an upload kept in memory; all are written to the upload's folder",
    ),
    Setting(
        "max_parties",
        "CHAINATLAS_MAX_PARTIES",
        "100",
        "most parties (applicants, institutions) one patent or paper may list; a record with k parties makes "
        "k(k-1)/2 pairwise ties, so a longer list is a row error (set aside with --quarantine)",
    ),
    Setting(
        "max_rows",
        "CHAINATLAS_MAX_ROWS",
        "10000000",
        "most data rows one input file may hold (the large synthetic dataset's biggest file has 4 million)",
    ),
    Setting(
        "max_columns",
        "CHAINATLAS_MAX_COLUMNS",
        "500",
        "most columns one input file or sheet may use (a kind has at most a few dozen fields)",
    ),
    Setting(
        "max_cell_bytes",
        "CHAINATLAS_MAX_CELL_BYTES",
        "1048576",
        "largest cell of an input file, in bytes of UTF-8 text (default 1 MiB)",
    ),
    Setting(
        "max_sheet_cells",
        "CHAINATLAS_MAX_SHEET_CELLS",
        "30000000",
        "largest used range (rows x columns) of a spreadsheet read; the reader holds about 32 bytes per "
        "cell of that range, so the default bounds it to about 1 GB",
    ),
    Setting(
        "allowed_hosts",
        "CHAINATLAS_ALLOWED_HOSTS",
        "",
        "host names the API answers to, comma-separated (always also localhost, 127.0.0.1, ::1 and the listen "
        "address); any other Host header gets 400 (DNS rebinding)",
    ),
    Setting(
        "rate_limit",
        "CHAINATLAS_RATE_LIMIT",
        "1200",
        "most API requests per minute per credential (per client address without one); more get 429 with "
        "Retry-After",
    ),
    Setting("token_hours", "CHAINATLAS_TOKEN_HOURS", "8", "hours a signed login token stays valid"),
    Setting(
        "disclosure_k",
        "CHAINATLAS_DISCLOSURE_K",
        "3",
        "threshold rule: a confidential aggregate outside the user's jurisdiction is published only with at "
        "least this many distinct entities",
    ),
    Setting(
        "disclosure_n",
        "CHAINATLAS_DISCLOSURE_N",
        "2",
        "dominance rule (n, p): the largest n contributors may hold at most p% of a published aggregate",
    ),
    Setting("disclosure_p", "CHAINATLAS_DISCLOSURE_P", "85", "dominance rule (n, p): p, in percent"),
    Setting(
        "disclosure_protection",
        "CHAINATLAS_DISCLOSURE_PROTECTION",
        "10",
        "protection interval, in percent of its value, that every suppressed cell must keep after the LP audit "
        "(what a user could infer from the published cells may not be narrower)",
    ),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """Value of a setting: its environment variable if set, else its default."""
    s = _BY_NAME[name]
    return os.environ.get(s.env, s.default)


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The atlas database path: ``--db`` if given, else ``CHAINATLAS_DB``, else ``./atlas.duckdb``."""
    return Path(explicit) if explicit else Path(get("db"))


def side_file(db: os.PathLike[str] | str, what: str) -> Path:
    """A file kept beside the atlas database: ``users`` (``<db>.users.sqlite``: users and credentials, written
    while the server runs), ``audit`` (``<db>.audit.jsonl``: the hash-chained audit log) or ``alerts``
    (``<db>.alerts.sqlite``: alerts, their findings, handling threads and silences, written while the server
    runs) or ``rules`` (``<db>.rules/``: a folder of the rule sets the levels of government set for themselves,
    each overriding the shipped one of its level and jurisdiction), ``reviews`` (``<db>.reviews.sqlite``: each
    side's review of an enclave's 亩均 evaluation, written while the server runs) or ``cooperation``
    (``<db>.cooperation/``: a place's own ``mu_evaluation.yaml``, replacing the shipped one)."""
    suffix = {
        "users": ".users.sqlite",
        "audit": ".audit.jsonl",
        "alerts": ".alerts.sqlite",
        "rules": ".rules",
        "reviews": ".reviews.sqlite",
        "cooperation": ".cooperation",
    }[what]
    db = Path(db)
    return db.with_name(db.name + suffix)
