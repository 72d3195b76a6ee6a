"""`/audit` (admins): who changed what, with the fields before and after."""

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy import select

from api.audit.models import AuditEntry
from api.audit.recorder import ENTITIES
from api.audit.schemas import AuditRead
from api.deps import AdminActor
from api.lists import Before, Eq, Filters, From, ListQuery, Page
from api.params import End, IdFilter, Start

router = APIRouter(prefix="/audit", tags=["audit"])
Entity = Literal[tuple(sorted(ENTITIES.values()))]  # type: ignore[valid-type]


def audit_query(shape: frozenset[str]):
    """Newest first."""
    return select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


class AuditFilters(Filters):
    entity: Annotated[Entity | None, Eq(AuditEntry.entity)] = None
    entity_id: Annotated[IdFilter, Eq(AuditEntry.entity_id)] = None
    actor_id: Annotated[IdFilter, Eq(AuditEntry.actor_id)] = None
    action: Annotated[
        Literal["create", "update", "delete", "login"] | None, Eq(AuditEntry.action)
    ] = None
    request_id: Annotated[
        str | None, Field(max_length=64, pattern=r"^[\w.-]+$"), Eq(AuditEntry.request_id)
    ] = None
    start: Annotated[Start, Field(alias="from"), From(AuditEntry.at)] = None
    end: Annotated[End, Field(alias="to"), Before(AuditEntry.at)] = None


LIST = ListQuery(audit_query, AuditFilters, AuditRead)


@router.get("", response_model=Page[AuditRead])
async def list_audit(_: AdminActor, asked: LIST.Asked):
    """Every write and every login, newest first: `changes` is `{field: [before, after]}`."""
    return await asked.answer()
