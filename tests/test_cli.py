"""The command line as a user runs it: help everywhere, clear errors, exit status 2 for bad data."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from chainatlas import config
from chainatlas.cli import main
from chainatlas.model.kinds import KINDS


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, (*prefix, name))
    return out


@pytest.mark.parametrize("cmd", _commands(main))
def test_every_command_has_help(cmd):
    r = CliRunner().invoke(main, [*cmd, "--help"], prog_name="chainatlas")
    assert r.exit_code == 0, r.output
    doc = main
    for name in cmd:
        doc = doc.commands[name]  # type: ignore[attr-defined]
    assert r.output.startswith(f"Usage: chainatlas {' '.join(cmd)}")
    assert doc.help and doc.help.split("\n")[0][:40] in r.output


def test_demo_data_load_build_export_round(tmp_path: Path):
    db, data = str(tmp_path / "a.duckdb"), tmp_path / "d"
    run = CliRunner().invoke
    r = run(main, ["demo-data", "--size", "small", "--seed", "3", "--out", str(data)])
    assert r.exit_code == 0 and "synthetic rows" in r.output
    r = run(main, ["--db", db, "load-dir", str(data)])
    assert r.exit_code == 0, r.output
    assert "firms: loaded" in r.output
    r = run(main, ["--db", db, "build", "--scales", "city,region"])
    assert r.exit_code == 0 and "built years [2015" in r.output, r.output
    r = run(main, ["--db", db, "build"])
    assert "nothing to build" in r.output
    r = run(main, ["--db", db, "info"])
    assert "SYNTHETIC" in r.output and "built periods: [2015" in r.output
    out = tmp_path / "e.csv"
    r = run(main, ["--db", db, "export", "edges", "--layer", "knowledge", "--scale", "city", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert len(pd.read_csv(out, encoding="utf-8-sig")) > 0


def test_bad_file_exits_2_naming_file_row_column_and_rule(tmp_path: Path):
    bad = tmp_path / "flows.csv"
    bad.write_text(
        "flow_type,origin,destination,period,value\nrail,310100,320500,2023,-3\n", encoding="utf-8"
    )
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "a.duckdb"), "ingest", "flows", str(bad)])
    assert r.exit_code == 2
    assert (
        "flows.csv:2" in r.output
        and "value" in r.output
        and "-3" in r.output
        and "nothing was loaded" in r.output
    )


def test_templates_written_for_all_kinds(tmp_path: Path):
    r = CliRunner().invoke(main, ["templates", "all", "-o", str(tmp_path / "t")])
    assert r.exit_code == 0
    assert len(list((tmp_path / "t").glob("*.xlsx"))) == len(KINDS)


def test_every_setting_is_documented_in_the_readme():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for s in config.SETTINGS:
        assert s.env in readme, s.env
