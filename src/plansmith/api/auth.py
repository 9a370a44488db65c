"""Signing in and out, who am I, personal API tokens, and (for admins) users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from plansmith.api.deps import AppDatabase, AppSettings, CurrentUser, DbSession
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.errors import Forbidden
from plansmith.services import accounts
from plansmith.services.accounts import SESSION_COOKIE
from plansmith.storage import tables as t

router = APIRouter(tags=["accounts"], responses=ERROR_RESPONSES)
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class SignIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1000)


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    is_admin: bool


class NewUser(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1000)
    name: str = Field("", max_length=200)
    is_admin: bool = False


class NewPassword(BaseModel):
    current_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


class NewToken(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    days: int | None = Field(None, ge=1, le=3660)


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class IssuedToken(TokenOut):
    token: str = Field(description="Shown once; only its hash is kept.")


def _user(user: t.User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name, "is_admin": user.is_admin}


def _token(row: t.ApiToken) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "revoked_at": row.revoked_at,
        "last_used_at": row.last_used_at,
    }


@router.post("/auth/sign-in", response_model=UserOut)
def sign_in(
    body: SignIn,
    request: Request,
    response: Response,
    database: AppDatabase,
    settings: AppSettings,
) -> dict[str, Any]:
    client = request.client.host if request.client is not None else "unknown"
    user, token = accounts.sign_in(database, settings, body.email, body.password, client)
    response.set_cookie(SESSION_COOKIE, token, **accounts.session_cookie(settings))
    return _user(user)


@router.post("/auth/sign-out", status_code=204)
def sign_out(request: Request, session: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.sign_out(session, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/auth/me", response_model=UserOut)
def me(user: CurrentUser) -> dict[str, Any]:
    return _user(user)


@router.put("/auth/password", status_code=204)
def change_password(
    body: NewPassword, request: Request, session: DbSession, user: CurrentUser
) -> Response:
    """A new password; the caller's other browser sessions end with the old one."""
    accounts.change_password(
        session,
        user,
        body.current_password,
        body.new_password,
        keep_session=request.cookies.get(SESSION_COOKIE),
    )
    return Response(status_code=204)


@router.get("/auth/tokens", response_model=list[TokenOut])
def list_tokens(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [_token(row) for row in accounts.list_tokens(session, user)]


@router.post("/auth/tokens", response_model=IssuedToken, status_code=201)
def issue_token(
    body: NewToken, session: DbSession, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    row, token = accounts.issue_token(session, settings, user, body.name, body.days)
    return {**_token(row), "token": token}


@router.delete("/auth/tokens/{token_id}", status_code=204)
def revoke_token(token_id: RowId, session: DbSession, user: CurrentUser) -> Response:
    accounts.revoke_token(session, user, token_id)
    return Response(status_code=204)


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """Everyone's name and e-mail, so owners can add members."""
    return [_user(row) for row in session.scalars(select(t.User).order_by(t.User.email))]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: NewUser, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    if not user.is_admin:
        raise Forbidden("only an administrator creates accounts")
    created = accounts.create_user(
        session, body.email, body.password, name=body.name, is_admin=body.is_admin
    )
    return _user(created)
