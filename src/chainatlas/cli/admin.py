"""Commands that look after the atlas: its audit log, backups and restores."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from chainatlas import config
from chainatlas.cli.common import progress, record
from chainatlas.errors import ChainAtlasError

__all__ = ["COMMANDS"]


def _db(ctx: click.Context) -> Path:
    return config.db_path(ctx.find_root().obj["db"])


@click.group("audit")
def audit_group() -> None:
    """The audit log (审计日志) beside the atlas: check that it is intact, or show its records."""


@audit_group.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Check every record's hash and link and the log's end (exit status 0 intact, 2 tampered)."""
    from chainatlas.storage import audit

    path = config.side_file(_db(ctx), "audit")
    v = audit.verify(path)
    if not v.ok:
        at = f" at record {v.first_bad_seq}" if v.first_bad_seq is not None else ""
        click.echo(f"错误 / error: 审计日志不完整 audit log {path} is not intact{at}: {v.reason}", err=True)
        sys.exit(2)
    if not path.exists():
        click.echo(f"审计日志为空 audit log {path} does not exist yet (no records, nothing removed)")
        return
    click.echo(f"审计日志完整 audit log intact: {path}, {v.records:,} records")
    if v.note:
        click.echo(f"注意 note: {v.note}", err=True)


_COLUMNS = ["seq", "ts", "actor", "action", "resource", "parameters", "result", "count", "prev", "hash"]


@audit_group.command("show")
@click.option("--actor", default=None, help="only this actor (a user name, cli:<os user>, local)")
@click.option("--action", default=None, help="only this action (login, login_failed, export, backup, ...)")
@click.option("--since", default=None, help="only records at or after this UTC date or time (2026-05-01)")
@click.option(
    "--limit", type=click.IntRange(min=0), default=100, show_default=True, help="newest N records; 0 for all"
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="write a .csv (UTF-8 with BOM, opens in Excel) instead of printing",
)
@click.pass_context
def audit_show(
    ctx: click.Context,
    actor: str | None,
    action: str | None,
    since: str | None,
    limit: int,
    output: Path | None,
) -> None:
    """Show the newest records of the audit log, oldest first, filtered by actor, action and time."""
    from chainatlas.storage import audit

    if output is not None and output.suffix.lower() != ".csv":
        raise click.BadParameter(f"expected a .csv file, got {output.name!r}", param_hint="-o/--output")
    path = config.side_file(_db(ctx), "audit")
    records = audit.read(path, since=since, actor=actor, action=action, limit=limit or None)
    if output is not None:
        import pandas as pd

        from chainatlas.ingest.excel import safe_frame

        rows = [
            {
                **{c: r.get(c) for c in _COLUMNS},
                "parameters": json.dumps(r.get("parameters") or {}, ensure_ascii=False, sort_keys=True),
            }
            for r in records
        ]
        frame = pd.DataFrame(rows, columns=_COLUMNS).astype({"count": "Int64", "seq": "Int64"})
        output.parent.mkdir(parents=True, exist_ok=True)
        safe_frame(frame).to_csv(output, index=False, encoding="utf-8-sig")
        click.echo(f"wrote {len(records):,} audit records to {output}")
        return
    if not records:
        click.echo(f"no audit records match in {path}", err=True)
    for r in records:
        params = json.dumps(r.get("parameters") or {}, ensure_ascii=False, sort_keys=True)
        count = f" rows={r['count']}" if r.get("count") is not None else ""
        click.echo(
            f"{r.get('seq'):>6} {r.get('ts')} {r.get('actor')} {r.get('action')} "
            f"{r.get('resource') or '-'} {r.get('result')}{count} {params if params != '{}' else ''}".rstrip()
        )


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--verify", is_flag=True, help="read the finished backup back: checksums, row counts, audit chain"
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="seconds to wait while the server writes to the atlas (loading an upload)",
)
@click.pass_context
def backup_cmd(ctx: click.Context, dest: Path, verify: bool, wait: float) -> None:
    """Back up the atlas, its users store and audit log into the new folder DEST (备份), also while
    `chainatlas serve` runs.
    """
    from chainatlas.storage.backup import backup

    db = _db(ctx)
    t = time.perf_counter()
    try:
        m = backup(db, dest, wait=wait, verify=verify, progress=progress)
    except ChainAtlasError as e:
        if db.exists():
            record(db, "backup", resource=str(dest), result="failed", parameters={"error": str(e)})
        raise
    rows = sum(m.tables.values())
    record(db, "backup", resource=str(dest), parameters={"verify": verify}, count=rows)
    size = sum(int(f["bytes"]) for f in m.files.values())
    click.echo(
        f"已备份 backed up {db} to {dest}: schema {m.schema_version}, {rows:,} rows in {len(m.tables)} "
        f"tables, {len(m.files)} files, {size / 1e6:.1f} MB ({time.perf_counter() - t:.1f}s)"
        + ("; verified" if verify else "")
    )


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace an existing atlas (kept as <db>.before-restore)")
@click.pass_context
def restore_cmd(ctx: click.Context, src: Path, force: bool) -> None:
    """Restore the atlas, its users store and audit log from the backup folder SRC (恢复).

    Stop `chainatlas serve` first. Every file is checked against the backup's manifest before anything
    changes; a backup of an older schema is migrated.
    """
    from chainatlas.storage.backup import restore

    db = _db(ctx)
    try:
        r = restore(src, db, force=force, progress=progress)
    except ChainAtlasError as e:
        if db.exists() or config.side_file(db, "audit").exists():
            record(db, "restore", resource=str(src), result="failed", parameters={"error": str(e)})
        raise
    record(
        db,
        "restore",
        resource=str(src),
        parameters={
            "force": force,
            "backup_created_at": r.manifest.created_at,
            "schema_from": r.schema_from,
            "schema_to": r.schema_to,
            "kept": [str(p) for p in r.kept],
        },
    )
    click.echo(f"已恢复 restored {db} from {src} (backup of {r.manifest.created_at})")
    if r.schema_to != r.schema_from:
        click.echo(f"  migrated schema {r.schema_from} → {r.schema_to}")
    for p in r.kept:
        click.echo(f"  previous file kept as {p}")


COMMANDS = (audit_group, backup_cmd, restore_cmd)
