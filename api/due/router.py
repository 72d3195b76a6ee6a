"""`/due` (what is overdue or due soon), its calendar feed `/due.ics` and the feed's token."""

import hashlib
import secrets
from datetime import datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response, status

from api.db import SessionDep, read
from api.deps import FleetManager, SettingsDep
from api.due import ics, service
from api.due.schemas import DueItem, FeedToken
from api.errors import NotFound
from api.lists import ListQuery, Page
from api.local_time import current_time, due_dates
from api.users.models import User

router = APIRouter(tags=["due"])
LIST = ListQuery(service.due_query, service.DueFilters, service.COLUMNS)
FEED_MAX_ITEMS = 2000
NowDep = Annotated[datetime, Depends(current_time)]


def _values(settings, within_days, within_km, now) -> dict:
    dates = due_dates(settings, within_days=within_days, within_km=within_km, now=now)
    return service.due_values(dates, settings.licensing_year(dates["today"].year))


@router.get("/due", response_model=Page[DueItem])
async def list_due(_: FleetManager, settings: SettingsDep, now: NowDep, asked: LIST.Asked):
    """Everything overdue or due soon, most urgent first: reminders, documents, the yearly
    licensing (CRLV) by plate, CNH expiry, toxicology exams. `estimated`: a licensing date
    from a calendar of another year (`calendar_year`) or one no source confirmed."""
    filters = asked.filters
    return await asked.answer(_values(settings, filters.within_days, filters.within_km, now))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_FEED_OWNER = """
SELECT 1 FROM users
WHERE feed_token_hash = %(hash)s AND is_active AND role IN ('admin', 'manager')
"""


@router.get(
    "/due.ics",
    name="due_calendar",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def due_calendar(
    request: Request,
    settings: SettingsDep,
    now: NowDep,
    token: Annotated[str, Query(min_length=20, max_length=100, description="The feed's secret")],
    within_days: service.WithinDays = None,
):
    """The due list as an iCalendar feed: subscribe to the URL that `POST /due/feed-token`
    gives (the token in it is the credential; a calendar app cannot send a bearer token)."""
    values = _values(settings, within_days, None, now)
    statements = LIST.statements(frozenset(values))
    params = {**statements.constants, **values, "page_limit": FEED_MAX_ITEMS, "page_offset": 0}

    async def owner_and_items(connection):
        cursor = await connection.execute(_FEED_OWNER, {"hash": _token_hash(token)})
        if await cursor.fetchone() is None:
            return None
        cursor = await connection.execute(statements.page, params, prepare=True)
        return [orjson.loads(row[0]) for row in await cursor.fetchall()]

    items = await read(request, owner_and_items)
    if items is None:
        raise NotFound("No calendar feed has this token (it may have been rotated)")
    body = ics.feed(items, today=values["today"], now=values["now"])
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )


@router.post("/due/feed-token", response_model=FeedToken)
def rotate_feed_token(request: Request, actor: FleetManager, session: SessionDep):
    """A new calendar feed URL for you; the previous one stops working."""
    token = secrets.token_urlsafe(32)
    session.get(User, actor.id).feed_token_hash = _token_hash(token)
    url = request.url_for("due_calendar").include_query_params(token=token)
    return FeedToken(url=str(url))


@router.delete("/due/feed-token", status_code=status.HTTP_204_NO_CONTENT)
def revoke_feed_token(actor: FleetManager, session: SessionDep):
    """Your calendar feed URL stops working."""
    session.get(User, actor.id).feed_token_hash = None
    return Response(status_code=status.HTTP_204_NO_CONTENT)
