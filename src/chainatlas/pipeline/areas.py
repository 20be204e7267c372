"""Functional areas (功能区): the shipped ones plus those users add to their atlas."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from chainatlas import geo
from chainatlas.errors import GeoError
from chainatlas.storage.base import Backend

__all__ = ["add_area", "list_areas", "remove_area"]


def list_areas(backend: Backend | None = None) -> pd.DataFrame:
    """Shipped areas and, when an atlas is given, the user's (which may redefine a shipped id)."""
    shipped = geo.default_areas().assign(source_kind="shipped")
    if backend is None:
        return shipped
    user = backend.execute(backend.table("areas"))
    if user.empty:
        return shipped
    user = user.assign(members=user["members"].str.split(";"), source_kind="user")
    keep = shipped[~shipped["area_id"].isin(user["area_id"])]
    return pd.concat([keep, user[keep.columns.intersection(user.columns)]], ignore_index=True)


def add_area(
    backend: Backend,
    area_id: str,
    name_zh: str,
    members: Sequence[str],
    *,
    name_en: str | None = None,
    kind: str = "user",
    source: str = "user",
) -> dict:
    """Add or redefine a user area; every built year is marked for rebuilding at area scale."""
    area = geo.validate_area(area_id, name_zh, list(members), name_en=name_en)
    row = pd.DataFrame(
        [
            {
                "area_id": area["area_id"],
                "name_zh": area["name_zh"],
                "name_en": area.get("name_en") or area["area_id"],
                "kind": kind,
                "source": source,
                "members": ";".join(area["members"]),
            }
        ]
    )
    with backend.transaction():
        backend.delete_in("areas", area_id=[area["area_id"]])
        backend.insert("areas", row)
        _mark_all_dirty(backend)
    return area


def remove_area(backend: Backend, area_id: str) -> None:
    user = backend.execute(backend.table("areas"))
    if area_id not in set(user["area_id"]):
        raise GeoError(
            f"areas remove: no user area {area_id!r}; user areas: {', '.join(user['area_id']) or 'none'}"
        )
    with backend.transaction():
        backend.delete_in("areas", area_id=[area_id])
        _mark_all_dirty(backend)


def _mark_all_dirty(backend: Backend) -> None:
    years = backend.execute(backend.table("builds").select("year"))["year"].astype("int16")
    backend.delete_in("dirty_years", year=list(years))
    backend.insert("dirty_years", pd.DataFrame({"year": years}))
