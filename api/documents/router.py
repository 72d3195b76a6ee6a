"""`/documents` (managers)."""

from fastapi import APIRouter, Response, status

from api.db import SessionDep
from api.deps import FleetManager, SettingsDep
from api.documents import service
from api.documents.schemas import DocumentCreate, DocumentRead, DocumentUpdate
from api.lists import ListQuery, Page
from api.local_time import due_dates
from api.params import DocumentId

router = APIRouter(prefix="/documents", tags=["documents"])
LIST = ListQuery(service.documents_query, service.DocumentFilters, DocumentRead)


@router.get("", response_model=Page[DocumentRead])
async def list_documents(_: FleetManager, settings: SettingsDep, asked: LIST.Asked):
    """Documents, the soonest expiry first; `status` is `expired`, `due_soon` (within
    `DUE_SOON_DAYS`) or `valid`."""
    dates = due_dates(settings)
    return await asked.answer({"today": dates["today"], "soon_until": dates["soon_until"]})


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
