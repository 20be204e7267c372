"""One registry of analyses: the CLI, the API and the README are made from it or checked against it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainatlas.cli import main
from chainatlas.errors import ConfigError
from chainatlas.pipeline.analyze import METHODS, TOPICS, analyze, calc
from chainatlas.pipeline.analyze.registry import Param, check_params

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_tables_are_the_registry() -> None:
    """The English tables are written from the registry (`tools/update_readme.py`): nothing else, nothing stale."""
    assert _tool("update_readme").render(README) == README


def test_chinese_readme_names_every_topic_and_method() -> None:
    zh = README[README.index("## 中文") : README.index("## English")]
    assert set(re.findall(r"^\| `([a-z-]+)` \|", zh, re.MULTILINE)) == set(TOPICS)
    line = zh[zh.index("`calc` 方法：") :]
    line = line[: line.index("`chainatlas calc 方法 --help`")]
    assert set(re.findall(r"([a-z][a-z-]+)", line.replace("calc", ""))) >= set(METHODS)


def test_cli_commands_are_the_registry() -> None:
    from chainatlas.cli.analysis import analyze as group_a
    from chainatlas.cli.analysis import calc as group_c

    assert list(group_a.commands) == list(TOPICS) and list(group_c.commands) == list(METHODS)
    for name, t in TOPICS.items():
        opts = {o for p in group_a.commands[name].params for o in getattr(p, "opts", [])}
        assert {p.option for p in t.params} <= opts, name
        assert ("--layer" in opts) == (t.layer != "none"), name
    r = CliRunner().invoke(main, ["analyze", "--help"])
    assert all(f"  {name} " in r.output for name in TOPICS)


@pytest.mark.parametrize("name", list(TOPICS))
def test_every_topic_refuses_a_parameter_it_does_not_take(atlas, name: str) -> None:
    with pytest.raises(ConfigError) as e:
        analyze(
            atlas,
            name,
            layer="innovation" if TOPICS[name].layer != "none" else None,
            chain="ic",
            parameters={"no_such_option": 1},
        )
    assert e.value.param == "no_such_option" and str(e.value).startswith("no_such_option: ")


def test_calc_refuses_a_parameter_it_does_not_take(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text(METHODS["leontief"].example_input, encoding="utf-8")
    with pytest.raises(ConfigError, match="^sectors: method 'leontief' takes no parameter 'sectors'"):
        calc("leontief", f, sectors=["S1"])


def test_parameters_are_coerced_and_bounded() -> None:
    params = (
        Param("top", "int", 20, ge=1, le=100),
        Param("how", "str", "a", choices=("a", "b")),
        Param("cols", "list", None),
        Param("undirected", "bool", False),
    )
    assert check_params("t", params, {"top": "7", "cols": "x, y", "undirected": "true"}) == {
        "top": 7,
        "how": "a",
        "cols": ["x", "y"],
        "undirected": True,
    }
    with pytest.raises(ConfigError, match="^top: expected a value from 1 to 100, got 0"):
        check_params("t", params, {"top": 0})
    with pytest.raises(ConfigError, match="^how: expected one of a, b, got 'c'"):
        check_params("t", params, {"how": "c"})
    with pytest.raises(ConfigError, match="^top: expected int, got 'many'"):
        check_params("t", params, {"top": "many"})


def test_every_topic_and_method_is_documented() -> None:
    for row in (*TOPICS.values(), *METHODS.values()):
        assert row.zh and row.en and all(p.help for p in row.params), row.name
    for m in METHODS.values():
        assert m.input and m.output and m.example_input.count("\n") >= 2 and m.reference, m.name
