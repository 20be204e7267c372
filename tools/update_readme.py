"""Write the README's topic and calc-method tables from the analysis registry (between their markers).

.venv/bin/python tools/update_readme.py          # rewrite README.md in place
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from chainatlas.pipeline.analyze import METHODS, TOPICS
from chainatlas.pipeline.analyze.catalogue import methods_table, topics_table

README = Path(__file__).parents[1] / "README.md"
BLOCKS = {"topics": lambda: topics_table(TOPICS), "methods": lambda: methods_table(METHODS)}


def render(text: str) -> str:
    """``text`` with every ``<!-- NAME:begin -->…<!-- NAME:end -->`` block written anew."""
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name}:begin -->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.DOTALL)
        if not pattern.search(text):
            sys.exit(f"README.md has no <!-- {name}:begin --> … <!-- {name}:end --> block")
        block = make()
        text = pattern.sub(lambda m, block=block: m.group(1) + block + "\n" + m.group(2), text)
    return text


if __name__ == "__main__":
    README.write_text(render(README.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the {', '.join(BLOCKS)} tables of {README}")
