"""`/fines`: drivers see the fines named to them; managers everything."""

from typing import Annotated

from fastapi import APIRouter, Query, UploadFile, status

from api.actor import own_rows
from api.db import SessionDep
from api.deps import CurrentActor, FleetManager, SettingsDep
from api.fines import service
from api.fines.schemas import FineCreate, FineImportResult, FineRead, FineUpdate
from api.lists import ListQuery, Page
from api.local_time import default_exif_timezone
from api.params import FineId

router = APIRouter(prefix="/fines", tags=["fines"])
LIST = ListQuery(service.list_query, service.FineFilters, FineRead, visible=service.visible_to)


@router.get("", response_model=Page[FineRead])
async def list_fines(actor: CurrentActor, asked: LIST.Asked):
    """Fines, the latest first; a driver sees the ones named to them."""
    return await asked.answer(own_rows(actor))


@router.post("", response_model=FineRead, status_code=status.HTTP_201_CREATED)
def create_fine(data: FineCreate, actor: FleetManager, session: SessionDep, settings: SettingsDep):
    """A fine; Frota names the driver from the trips (`identification`), and the deadline to
    tell the authority is the notice + 30 days."""
    return service.create_fine(
        session=session, actor=actor, data=data, default_offset=default_exif_timezone(settings)
    )


@router.post("/import", response_model=FineImportResult)
def import_fines(
    file: UploadFile,
    actor: FleetManager,
    session: SessionDep,
    settings: SettingsDep,
    dry_run: Annotated[bool, Query(description="Check every row, write nothing")] = False,
):
    """A CSV (multipart field `file`): `plate` and the JSON fields; checked whole first."""
    checked = service.import_fines(
        session=session,
        actor=actor,
        content=file.file.read(),
        dry_run=dry_run,
        default_offset=default_exif_timezone(settings),
    )
    return FineImportResult(dry_run=dry_run, checked=checked, created=0 if dry_run else checked)


@router.get("/{fine_id}", response_model=FineRead)
def get_fine(fine_id: FineId, actor: CurrentActor, session: SessionDep):
    return service.get_fine(session, fine_id, actor)


@router.patch("/{fine_id}", response_model=FineRead)
def update_fine(fine_id: FineId, data: FineUpdate, actor: FleetManager, session: SessionDep):
    """Name the driver by hand, or move the fine along (`driver_named`, `paid`, `contested`)."""
    fine = service.get_fine(session, fine_id, actor, for_update=True)
    return service.update_fine(session=session, fine=fine, data=data)
