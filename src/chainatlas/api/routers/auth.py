"""Sign-in: the OAuth2 password flow (``POST /api/login``) and who the request is (``GET /api/auth``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse

from chainatlas.api.auth import principal_of
from chainatlas.api.schemas import ERROR_RESPONSES, AuthStatus, LoginToken
from chainatlas.errors import AuthError

router = APIRouter(tags=["auth"])


@router.post(
    "/login",
    response_model=LoginToken,
    responses={401: ERROR_RESPONSES[422]},
    summary="Sign in with name and password: a signed token for the Authorization header",
)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
) -> JSONResponse:
    """OAuth2 password flow (form fields ``username`` and ``password``): ``access_token`` to send as
    ``Authorization: Bearer <token>``, valid ``expires_in`` seconds. With no users defined (single-user local
    mode) there is nobody to sign in as: 401 says so."""
    auth = request.app.state.auth
    if not auth.active:
        raise AuthError("this atlas has no users (single-user local mode): no sign-in is needed")
    request.scope.setdefault("state", {})["signed_in"] = username  # the audit log's actor, found or not
    user = auth.login(username, password)
    token, ttl = auth.issue(user)
    return JSONResponse(
        {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": ttl,
            "user": {"name": user.name, "role": user.role, "jurisdiction": user.jurisdiction},
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get("/auth", response_model=AuthStatus, summary="Whether sign-in is needed, and who this request is")
async def auth_status(request: Request) -> JSONResponse:
    """``mode``: ``local`` (no users: everything is open on this machine) or ``users`` (credentials needed);
    ``user``: the signed-in user, or null."""
    auth = request.app.state.auth
    p = principal_of(request.scope)
    signed_in = auth.active and p.jurisdiction is not None and p.name != "anonymous"
    user = (
        {
            "name": p.name,
            "role": p.role,
            "jurisdiction": p.jurisdiction,
            "personal": bool(p.scope and p.scope.personal),
        }
        if signed_in or not auth.active
        else None
    )
    atlas = request.app.state.atlas
    synthetic = bool(await atlas.call(lambda b: atlas.synthetic(b))) if atlas.path.exists() else False
    return JSONResponse(
        {"synthetic": synthetic, "mode": "users" if auth.active else "local", "user": user},
        headers={"Cache-Control": "no-store"},
    )
