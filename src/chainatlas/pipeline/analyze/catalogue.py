"""The README's tables of topics and calc methods, written from the registry (``tools/update_readme.py``
puts them between the README's markers; a test checks that the README holds exactly these)."""

from __future__ import annotations

from chainatlas.pipeline.analyze.registry import Method, Topic

__all__ = ["methods_table", "topics_table"]


def _options(params: tuple) -> str:
    return ", ".join(f"`{p.option}`" for p in params) or "–"


def topics_table(topics: dict[str, Topic]) -> str:
    """Markdown: one row per topic (name, title in both languages, what it needs, its own options)."""
    rows = ["| topic | 主题 | what it computes | needs | options |", "| --- | --- | --- | --- | --- |"]
    for t in topics.values():
        needs = [
            x for x, on in (("`--layer`", t.layer == "required"), ("`--chain`", t.chain == "required")) if on
        ]
        if t.scales:
            needs.append("scale " + " or ".join(t.scales))
        rows.append(f"| `{t.name}` | {t.zh} | {t.help} | {', '.join(needs) or '–'} | {_options(t.params)} |")
    return "\n".join(rows)


def methods_table(methods: dict[str, Method]) -> str:
    """Markdown: one row per calc method (name, titles, input, options)."""
    rows = ["| method | 方法 | input | options |", "| --- | --- | --- | --- |"]
    for m in methods.values():
        rows.append(f"| `{m.name}` | {m.zh} | {m.input} | {_options(m.params)} |")
    return "\n".join(rows)
