"""FastAPI dependencies: the application's :class:`~chainatlas.api.atlas.Atlas` and upload store.

Parameters live in :mod:`chainatlas.api.params`, rendering in :mod:`chainatlas.api.render`, the
HTTP cache in :mod:`chainatlas.api.cache`, uploads in :mod:`chainatlas.api.uploads`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from chainatlas.api.atlas import Atlas
from chainatlas.api.uploads import UploadStore

__all__ = ["AtlasDep", "UploadsDep", "get_atlas", "get_uploads"]


async def get_atlas(request: Request) -> Atlas:
    """The application's :class:`Atlas` (async: a plain function would cost a thread hop per request)."""
    return request.app.state.atlas


async def get_uploads(request: Request) -> UploadStore:
    """The application's :class:`UploadStore`."""
    return request.app.state.uploads


AtlasDep = Annotated[Atlas, Depends(get_atlas)]
UploadsDep = Annotated[UploadStore, Depends(get_uploads)]
