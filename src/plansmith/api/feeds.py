"""Private calendar feeds: create, list and revoke your feed URLs (signed in), and the feed
itself at ``/feeds/{token}.ics``, which calendar programs fetch with the token as the only
credential (an unknown, revoked or expired token is a plain 404)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from plansmith.api.deps import CurrentUser, DbSession
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.services import calendar_feeds
from plansmith.services.calendar_feeds import FeedIn
from plansmith.services.meeting_ics import ICS_MEDIA_TYPE

router = APIRouter(tags=["calendar feeds"], responses=ERROR_RESPONSES)


def feed_url(request: Request, token: str) -> str:
    return str(request.url_for("calendar_feed", token=token))


@router.get("/calendar-feeds", summary="Your calendar feeds (never their URLs)")
def list_feeds(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return calendar_feeds.list_feeds(session, user)


@router.post(
    "/calendar-feeds",
    status_code=201,
    summary="A new private feed URL: a project's, or your own (shown this once)",
)
def create_feed(
    body: FeedIn, request: Request, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    row, token = calendar_feeds.create_feed(
        session, user, body.model_dump(mode="json", exclude_unset=True)
    )
    return {**calendar_feeds.feed_document(session, row), "url": feed_url(request, token)}


@router.delete("/calendar-feeds/{feed_id}", status_code=204, summary="Revoke a feed URL")
def revoke_feed(feed_id: int, session: DbSession, user: CurrentUser) -> Response:
    calendar_feeds.revoke_feed(session, user, feed_id)
    return Response(status_code=204)


@router.get(
    "/feeds/{token}.ics",
    name="calendar_feed",
    summary="A calendar feed (public: the token in the URL is the credential)",
    response_class=Response,
)
def calendar_feed(token: str, session: DbSession) -> Response:
    data = calendar_feeds.feed_calendar(session, token)
    return Response(
        data,
        media_type=ICS_MEDIA_TYPE,
        headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
    )
