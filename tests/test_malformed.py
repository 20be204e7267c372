"""The malformed-input corpus (issue 9): every file loads correctly or is refused with a located message.

``tools/make_malformed.py`` writes the corpus from the valid fixtures into a temporary folder; each file goes
through the real command line (``chainatlas --db ATLAS ingest KIND FILE``) against an atlas that already holds
the fixtures, so that a refusal can be checked to change no row of any raw table.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from chainatlas.cli import main
from chainatlas.model.kinds import KINDS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "ingest"


def _generator():
    spec = importlib.util.spec_from_file_location("make_malformed", ROOT / "tools" / "make_malformed.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("malformed")
    entries = _generator().corpus(out, list(KINDS))
    return out, entries


@pytest.fixture(scope="module")
def base_atlas(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("valid")
    for k in KINDS:
        shutil.copy(FIXTURES / f"{k}.csv", folder / f"{k}.csv")
    db = tmp_path_factory.mktemp("atlas") / "atlas.duckdb"
    r = CliRunner().invoke(main, ["--db", str(db), "load-dir", str(folder)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return db


def _counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            k.table: con.execute(f'SELECT count(*) FROM "{k.table}"').fetchone()[0] for k in KINDS.values()
        }


def _stored(db: Path, kind: str, column: str, value: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            f'SELECT count(*) FROM "{KINDS[kind].table}" WHERE lower("{column}") = lower(?)', [value]
        ).fetchone()[0]


def test_every_malformed_file_loads_or_is_refused_with_its_location(corpus, base_atlas, tmp_path):
    out, entries = corpus
    db = tmp_path / "atlas.duckdb"
    shutil.copy(base_atlas, db)
    wal = base_atlas.with_name(base_atlas.name + ".wal")
    if wal.exists():
        shutil.copy(wal, db.with_name(db.name + ".wal"))
    runner = CliRunner()
    problems: list[str] = []
    for e in entries:
        before = _counts(db)
        r = runner.invoke(main, ["--db", str(db), "ingest", e["kind"], str(out / e["file"])])
        text = r.output  # stdout and stderr as the terminal shows them
        where = f"{e['file']} ({e['expect']}): exit {r.exit_code}: {text.strip()[:400]}"
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            problems.append(f"{where}: raised {r.exception!r}")
            continue
        if "Traceback" in text:
            problems.append(f"{where}: traceback in the output")
        if r.exit_code not in (0, 2):
            problems.append(f"{where}: exit code is neither 0 nor 2")
            continue
        if r.exit_code == 2:
            if e["expect"] == "load":
                problems.append(f"{where}: expected to load")
            if e["file"] not in text:
                problems.append(f"{where}: the message does not name the file")
            if "row" in e and f":{e['row']} " not in text and f"row {e['row']}" not in text:
                problems.append(f"{where}: the message does not name row {e['row']}")
            if "column" in e and e["column"] not in text:
                problems.append(f"{where}: the message does not name column {e['column']}")
            if _counts(db) != before:
                problems.append(f"{where}: a refused file changed rows of the atlas")
        else:
            if e["expect"] == "refuse":
                problems.append(f"{where}: expected a refusal")
            after = _counts(db)
            grew = {t: (before[t], after[t]) for t in after if after[t] > before[t]}
            if grew and e["variant"] not in ("bom_mid_rows",):
                # the corpus repeats the fixture's keys: a load replaces rows (a firm's rows under one credit
                # code collapse into one), it never adds any
                problems.append(f"{where}: row counts grew {grew}")
            if e.get("check") and _stored(db, e["kind"], *e["check"]) == 0:
                problems.append(f"{where}: {e['check']} not stored")
    assert not problems, "\n".join(problems)


def test_the_xlsx_bomb_is_read_within_1_gb(corpus):
    out, entries = corpus
    bomb = next(out / e["file"] for e in entries if e["variant"] == "xlsx_bomb")
    code = textwrap.dedent(
        f"""
        import resource, sys
        from chainatlas.errors import IngestError
        from chainatlas.ingest.read import read_table
        try:
            read_table({str(bomb)!r}, "firms")
        except IngestError as e:
            print(e)
        # VmHWM: the peak of this program's own memory (ru_maxrss would include the forking parent's)
        hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:")]
        print("peak", int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        """
    )
    r = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "XFD1048576" in r.stdout and "CHAINATLAS_MAX_COLUMNS" in r.stdout
    peak_kb = int(r.stdout.rsplit("peak", 1)[1])
    assert peak_kb < 1024 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"


def test_manifest_written_by_the_command(tmp_path):
    r = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_malformed.py"), str(tmp_path), "--kinds", "firms"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    entries = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert {e["variant"] for e in entries} >= {"cr_only", "bom_mid", "big5", "xlsx_bomb", "parquet_tz"}
    assert all((tmp_path / e["file"]).exists() for e in entries)
