"""The one shape of every list: items, total, and links to the neighbouring pages."""

from collections.abc import Sequence
from typing import Generic, TypeVar

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.deps import PageParams

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None = None
    previous: str | None = None


def paginate(
    session: Session, query: Select, page: PageParams, request: Request
) -> tuple[Sequence, dict]:
    """Run one page of `query` (already ordered) and count the whole filtered set."""
    total = session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    rows = session.execute(query.limit(page.limit).offset(page.offset)).scalars().all()
    links = {"next": None, "previous": None}
    if page.offset + page.limit < total:
        links["next"] = str(request.url.include_query_params(offset=page.offset + page.limit))
    if page.offset > 0:
        links["previous"] = str(
            request.url.include_query_params(offset=max(page.offset - page.limit, 0))
        )
    return rows, {"total": total, "limit": page.limit, "offset": page.offset, **links}
