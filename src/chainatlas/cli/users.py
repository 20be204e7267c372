"""``chainatlas users``: who may use the atlas through the API, with which role and jurisdiction.

Users live in ``<db>.users.sqlite`` beside the atlas and may be changed while the server runs (it sees a change
within seconds). API keys are printed once, when made; only their hashes are kept.
"""

from __future__ import annotations

import click

from chainatlas import config
from chainatlas.model.access import ROLES
from chainatlas.storage.users import UserStore

__all__ = ["users"]


def _store(ctx: click.Context) -> UserStore:
    return UserStore(config.side_file(config.db_path(ctx.find_root().obj["db"]), "users"))


def _show_key(name: str, key: str) -> None:
    click.echo(f"API key of {name} (shown once; send it as the X-API-Key header / 仅显示一次):")
    click.echo(key)


@click.group()
def users() -> None:
    """Users of the API: add, list, set, disable, rotate-key.

    \b
    With no user the server runs in single-user local mode (127.0.0.1 only). Once one exists, every API request
    needs a credential: an API key (X-API-Key) or a sign-in token (POST /api/login, or the UI's sign-in).
    Roles: admin (loads data; region-wide admins manage users), analyst (uploads and validates files, sees
    personal data), viewer (reads). Jurisdiction: YRD (the whole region) or a province, city or county code.
    """


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="admin, analyst or viewer")
@click.option(
    "--jurisdiction",
    default=None,
    help="YRD, or a province, city or county code (e.g. 320000, 320500, 320506); without it the user sees nothing",
)
@click.option("--password", is_flag=True, help="also set a password for signing in (asked for, not echoed)")
@click.pass_context
def add(ctx: click.Context, name: str, role: str, jurisdiction: str | None, password: bool) -> None:
    """Add a user; prints their API key once."""
    secret = click.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    key = _store(ctx).add(name, role, jurisdiction, password=secret)
    click.echo(f"added {name}: {role}, jurisdiction {jurisdiction or '(none yet: sees nothing)'}")
    _show_key(name, key)


@users.command("list")
@click.pass_context
def list_users(ctx: click.Context) -> None:
    """Every user (no secrets)."""
    df = _store(ctx).list()
    if df.empty:
        click.echo(
            "no users: the server runs in single-user local mode (127.0.0.1 only) / 无用户：单用户本机模式"
        )
        return
    for r in df.itertuples(index=False):
        state = "disabled" if r.disabled else "enabled"
        creds = "+".join(x for x, has in (("key", r.has_key), ("password", r.has_password)) if has) or "none"
        click.echo(f"{r.name}\t{r.role}\t{r.jurisdiction or '-'}\t{state}\t{creds}\tsince {r.created_at}")


@users.command("set")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default=None)
@click.option("--jurisdiction", default=None, help="YRD or a province, city or county code")
@click.option("--password", is_flag=True, help="set a new password (asked for)")
@click.option("--enable/--disable", "enabled", default=None, help="enable or disable the user")
@click.pass_context
def set_user(
    ctx: click.Context,
    name: str,
    role: str | None,
    jurisdiction: str | None,
    password: bool,
    enabled: bool | None,
) -> None:
    """Change a user's role, jurisdiction, password or state (their sign-in tokens end)."""
    secret = click.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    u = _store(ctx).set(name, role=role, jurisdiction=jurisdiction, password=secret, enabled=enabled)
    click.echo(
        f"{u.name}: {u.role}, jurisdiction {u.jurisdiction or '-'}, {'disabled' if u.disabled else 'enabled'}"
    )


@users.command("disable")
@click.argument("name")
@click.pass_context
def disable(ctx: click.Context, name: str) -> None:
    """Disable a user: their key, password and tokens stop working at once."""
    _store(ctx).disable(name)
    click.echo(f"disabled {name}")


@users.command("rotate-key")
@click.argument("name")
@click.pass_context
def rotate_key(ctx: click.Context, name: str) -> None:
    """A new API key for NAME (the old key and their tokens stop working); printed once."""
    _show_key(name, _store(ctx).rotate_key(name))
