"""Documents with expiry; their status (`valid`, `due_soon`, `expired`) is computed when read."""

from typing import Annotated

from sqlalchemy import Date, bindparam, case, select
from sqlalchemy.orm import Session

from api.db import get_or_404
from api.documents.models import Document, DocumentKind
from api.documents.schemas import DocumentCreate, DocumentStatus, DocumentUpdate
from api.drivers.models import Driver
from api.errors import Invalid, NotFound
from api.lists import Eq, Filters
from api.params import IdFilter
from api.photos.models import Photo
from api.vehicles.models import Vehicle

TODAY = bindparam("today", type_=Date)
SOON_UNTIL = bindparam("soon_until", type_=Date)
STATUS = case(
    (Document.expires_on < TODAY, "expired"),
    (Document.expires_on <= SOON_UNTIL, "due_soon"),
    else_="valid",
).label("status")


def documents_query(shape: frozenset[str]):
    """Documents, the soonest expiry first (those without one last)."""
    columns = [c for c in Document.__table__.c if c.key not in ("created_at", "updated_at")]
    return select(*columns, STATUS).order_by(Document.expires_on.asc().nulls_last(), Document.id)


class DocumentFilters(Filters):
    vehicle_id: Annotated[IdFilter, Eq(Document.vehicle_id)] = None
    driver_id: Annotated[IdFilter, Eq(Document.driver_id)] = None
    kind: Annotated[DocumentKind | None, Eq(Document.kind)] = None
    status: Annotated[DocumentStatus | None, Eq(STATUS)] = None


def read_document(session: Session, document_id: int, dates: dict) -> dict:
    query = documents_query(frozenset()).where(Document.id == document_id)
    row = session.execute(query, dates).mappings().one_or_none()
    if row is None:
        raise NotFound(f"Document {document_id} not found")
    return dict(row)


def get_document(*, session: Session, document_id: int, for_update: bool = False) -> Document:
    return get_or_404(session, Document, document_id, for_update=for_update)


def _check_photos(session: Session, photo_ids: list[int], vehicle_id: int | None) -> None:
    if not photo_ids:
        return
    query = select(Photo.id).where(Photo.id.in_(photo_ids))
    if vehicle_id is not None:
        query = query.where(Photo.vehicle_id == vehicle_id)
    found = set(session.execute(query).scalars())
    missing = [i for i in photo_ids if i not in found]
    if missing:
        whose = f" of vehicle {vehicle_id}" if vehicle_id is not None else ""
        raise Invalid(f"Photo {', '.join(map(str, missing))}: no such photo{whose}")


def create_document(*, session: Session, data: DocumentCreate) -> Document:
    if data.vehicle_id is not None and session.get(Vehicle, data.vehicle_id) is None:
        raise Invalid(f"Vehicle {data.vehicle_id} does not exist")
    if data.driver_id is not None and session.get(Driver, data.driver_id) is None:
        raise Invalid(f"Driver {data.driver_id} does not exist")
    _check_photos(session, data.photo_ids, data.vehicle_id)
    document = Document(**data.model_dump())
    session.add(document)
    session.flush()
    return document


def update_document(*, session: Session, document: Document, data: DocumentUpdate) -> Document:
    changes = data.model_dump(exclude_unset=True)
    if "photo_ids" in changes:
        changes["photo_ids"] = list(changes["photo_ids"] or [])
        _check_photos(session, changes["photo_ids"], document.vehicle_id)
    for field, value in changes.items():
        setattr(document, field, value)
    if document.kind == DocumentKind.crlv and document.issued_on is None:
        raise Invalid("a CRLV needs issued_on (it counts for the year it was issued in)")
    if document.issued_on and document.expires_on and document.expires_on < document.issued_on:
        raise Invalid("expires_on is before issued_on")
    session.flush()
    return document
