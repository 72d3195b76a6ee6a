"""`/documents` (managers)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.db import SessionDep
from api.deps import FleetManager, SettingsDep
from api.documents import service
from api.documents.schemas import DocumentCreate, DocumentRead, DocumentUpdate
from api.lists import ListQuery, Page, PageDep, read_page
from api.local_time import due_dates
from api.params import DocumentId

router = APIRouter(prefix="/documents", tags=["documents"])
_QUERY = service.documents_query(frozenset())
LIST = ListQuery(
    service.documents_query,
    service.DocumentFilters,
    [_QUERY.selected_columns[name] for name in DocumentRead.model_fields],
)


@router.get("", response_model=Page[DocumentRead])
async def list_documents(
    request: Request,
    _: FleetManager,
    page: PageDep,
    settings: SettingsDep,
    filters: Annotated[service.DocumentFilters, Query()],
):
    """Documents, the soonest expiry first; `status` is `expired`, `due_soon` (within
    `DUE_SOON_DAYS`) or `valid`."""
    dates = due_dates(settings)
    values = filters.values() | {"today": dates["today"], "soon_until": dates["soon_until"]}
    return await read_page(request, LIST, values, page)


@router.post("", response_model=DocumentRead, status_code=status.HTTP_201_CREATED)
def create_document(
    data: DocumentCreate, _: FleetManager, session: SessionDep, settings: SettingsDep
):
    """A vehicle's document (`crlv`, `insurance`, `ipva`, `other`) or a driver's
    (`toxicology`, `other`)."""
    document = service.create_document(session=session, data=data)
    return service.read_document(session, document.id, due_dates(settings))


@router.get("/{document_id}", response_model=DocumentRead)
def get_document(
    document_id: DocumentId, _: FleetManager, session: SessionDep, settings: SettingsDep
):
    return service.read_document(session, document_id, due_dates(settings))


@router.patch("/{document_id}", response_model=DocumentRead)
def update_document(
    document_id: DocumentId,
    data: DocumentUpdate,
    _: FleetManager,
    session: SessionDep,
    settings: SettingsDep,
):
    document = service.get_document(session=session, document_id=document_id, for_update=True)
    service.update_document(session=session, document=document, data=data)
    return service.read_document(session, document_id, due_dates(settings))


@router.delete("/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(document_id: DocumentId, _: FleetManager, session: SessionDep):
    document = service.get_document(session=session, document_id=document_id, for_update=True)
    session.delete(document)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
