"""`/audit` (admins): who changed what, with the fields before and after."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import bindparam, select

from api.audit.models import AuditEntry
from api.audit.recorder import ENTITIES
from api.audit.schemas import AuditRead
from api.deps import AdminActor
from api.errors import Invalid
from api.lists import ListQuery, Page, PageDep, filter_values, read_columns, read_page
from api.params import IdFilter

router = APIRouter(prefix="/audit", tags=["audit"])
Entity = Literal[tuple(sorted(ENTITIES.values()))]  # type: ignore[valid-type]


def audit_query(shape: frozenset[str]):
    """Newest first."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    for name in ("entity", "entity_id", "actor_id", "action", "request_id"):
        if name in shape:
            query = query.where(AuditEntry.__table__.c[name] == bindparam(name))
    if "from" in shape:
        query = query.where(AuditEntry.at >= bindparam("from"))
    if "to" in shape:
        query = query.where(AuditEntry.at < bindparam("to"))
    return query


LIST = ListQuery(audit_query, read_columns(AuditEntry.__table__, AuditRead))


@router.get("", response_model=Page[AuditRead])
async def list_audit(
    request: Request,
    _: AdminActor,
    page: PageDep,
    entity: Entity | None = None,
    entity_id: IdFilter = None,
    actor_id: IdFilter = None,
    action: Literal["create", "update", "delete", "login"] | None = None,
    request_id: Annotated[str | None, Query(max_length=64, pattern=r"^[\w.-]+$")] = None,
    start: Annotated[
        datetime | None, Query(alias="from", description="ISO 8601, inclusive")
    ] = None,
    end: Annotated[datetime | None, Query(alias="to", description="ISO 8601, exclusive")] = None,
):
    """Every write and every login, newest first: `changes` is `{field: [before, after]}`."""
    if start and end and start >= end:
        raise Invalid("from must be before to")
    values = filter_values(
        entity=entity,
        entity_id=entity_id,
        actor_id=actor_id,
        action=action,
        request_id=request_id,
        **{"from": start, "to": end},
    )
    return await read_page(request, LIST, values, page)
