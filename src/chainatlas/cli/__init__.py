"""``chainatlas`` command line: a thin shell over the library.

Each command parses its options, calls one library function and turns library errors into a message and an
exit status (see :mod:`.common`). Data commands live in :mod:`.data`; ``analyze`` and ``calc`` are made from
the analysis registry in :mod:`.analysis`. Progress goes to stderr.
"""

from __future__ import annotations

import click

from chainatlas.cli.admin import COMMANDS as ADMIN_COMMANDS
from chainatlas.cli.alerts import alerts
from chainatlas.cli.alliances import COMMANDS as ALLIANCE_COMMANDS
from chainatlas.cli.analysis import analyze, calc
from chainatlas.cli.codes import codes
from chainatlas.cli.common import ErrorsGroup
from chainatlas.cli.data import COMMANDS
from chainatlas.cli.enclaves import COMMANDS as COOPERATION_COMMANDS
from chainatlas.cli.history import history
from chainatlas.cli.match import match
from chainatlas.cli.monitor import check
from chainatlas.cli.policy import policy
from chainatlas.cli.report import report
from chainatlas.cli.simulate import COMMANDS as SIMULATE_COMMANDS
from chainatlas.cli.users import users

__all__ = ["main"]


@click.group(
    cls=ErrorsGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110}
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default=None,
    envvar="CHAINATLAS_DB",
    help="atlas database file (default ./atlas.duckdb; env CHAINATLAS_DB)",
)
@click.version_option(package_name="chainatlas")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """Chain Atlas 长三角产业链创新链地图系统 — six-network map of innovation and industry in the YRD.

    \b
    Typical session:
      chainatlas demo-data --size small --out data/demo    # synthetic reference data
      chainatlas load-dir data/demo                        # validate and load
      chainatlas build                                     # six layers × five scales
      chainatlas export edges --layer innovation --scale city -o innovation.gexf
      chainatlas analyze network --layer innovation -o network.csv
      chainatlas serve                                     # API on http://127.0.0.1:8000
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


for _command in (
    *COMMANDS,
    *ADMIN_COMMANDS,
    analyze,
    calc,
    codes,
    history,
    check,
    users,
    alerts,
    report,
    *SIMULATE_COMMANDS,
    *COOPERATION_COMMANDS,
    *ALLIANCE_COMMANDS,
    policy,
    match,
):
    main.add_command(_command)
