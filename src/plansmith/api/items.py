"""Routers for plan items: the same five routes for every kind (list, read, create, update,
delete), with ETags from row versions and If-Match on every change."""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from plansmith.api.deps import CurrentUser, DbSession, IfMatch, etag
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.services import items
from plansmith.services.items import ItemKind
from plansmith.services.portfolios import project_named
from plansmith.storage import tables as t

RESERVED = {"limit", "offset", "sort"}


class ItemOut(BaseModel):
    """An item as the plan file writes it, plus ``version`` (also sent as the ETag)."""

    model_config = ConfigDict(extra="allow")
    version: int


class ItemPage(BaseModel):
    items: list[ItemOut]
    total: int
    limit: int
    offset: int


Patch = Annotated[
    dict[str, Any],
    Body(description="Any of the item's fields; a field set to null is removed."),
]
Limit = Annotated[int, Query(ge=1, le=items.MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]


def answered(response: Response, item: items.Item) -> dict[str, Any]:
    """An item's document with its version, which is also the ETag to send back in If-Match."""
    response.headers["ETag"] = etag(item.version)
    return {**item.document, "version": item.version}


def _filters(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k not in RESERVED}


def item_router(kind: ItemKind, plural: str, schema: type[BaseModel]) -> APIRouter:
    """``/projects/{project}/{plural}`` for project items, ``/{plural}`` for the pool."""
    prefix = f"/projects/{{project}}/{plural}" if kind.project_scoped else f"/{plural}"
    router = APIRouter(prefix=prefix, tags=[plural], responses=ERROR_RESPONSES)

    def project_scope(project: str, session: DbSession) -> t.Project | None:
        return project_named(session, project)  # the service checks the caller's role

    def pool_scope() -> t.Project | None:
        return None

    Scope = Annotated[
        t.Project | None, Depends(project_scope if kind.project_scoped else pool_scope)
    ]

    @router.get("", response_model=ItemPage, summary=f"List {plural}")
    def list_(
        request: Request,
        session: DbSession,
        user: CurrentUser,
        scope: Scope,
        limit: Limit = 50,
        offset: Offset = 0,
        sort: str | None = None,
    ) -> Response:
        page = items.list_items(
            session,
            user,
            kind,
            scope,
            limit=limit,
            offset=offset,
            sort=sort,
            params=_filters(request),
        )
        # Rendered directly with orjson: the documents come from the plan schema already, and
        # validating them again against ItemPage cost more than the rest of the response.
        body = {
            "items": page.items,
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
        }
        return Response(orjson.dumps(body), media_type="application/json")

    @router.post("", response_model=ItemOut, status_code=201, summary=f"Create one of {plural}")
    def create(
        response: Response,
        session: DbSession,
        user: CurrentUser,
        body: schema,  # type: ignore[valid-type]
        scope: Scope,
    ) -> dict[str, Any]:
        document = body.model_dump(  # type: ignore[attr-defined]
            mode="json", by_alias=True, exclude_defaults=True
        )
        item = items.create_item(session, user, kind, scope, document)
        return answered(response, item)

    @router.get("/{key}", response_model=ItemOut, summary=f"Read one of {plural}")
    def read(
        response: Response,
        session: DbSession,
        user: CurrentUser,
        key: str,
        scope: Scope,
    ) -> dict[str, Any]:
        return answered(response, items.get_item(session, user, kind, scope, key))

    @router.patch("/{key}", response_model=ItemOut, summary=f"Change one of {plural}")
    def update(
        response: Response,
        session: DbSession,
        user: CurrentUser,
        patch: Patch,
        version: IfMatch,
        key: str,
        scope: Scope,
    ) -> dict[str, Any]:
        item = items.update_item(session, user, kind, scope, key, patch, version)
        return answered(response, item)

    @router.delete("/{key}", status_code=204, summary=f"Delete one of {plural}")
    def delete(
        session: DbSession,
        user: CurrentUser,
        version: IfMatch,
        key: str,
        scope: Scope,
    ) -> Response:
        items.delete_item(session, user, kind, scope, key, version)
        return Response(status_code=204)

    return router
