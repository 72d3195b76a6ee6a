from typing import Annotated

from fastapi import APIRouter, Query, Response, UploadFile, status

from api.actor import own_rows
from api.db import SessionDep
from api.deps import CurrentActor, FleetManager, SettingsDep
from api.fuel import service
from api.fuel.schemas import FuelEntryCreate, FuelEntryRead, FuelEntryUpdate, FuelImportResult
from api.lists import ListQuery, Page
from api.local_time import default_exif_timezone
from api.params import FuelEntryId

router = APIRouter(prefix="/fuel-entries", tags=["fuel"])
LIST = ListQuery(
    service.list_query, service.FuelEntryFilters, FuelEntryRead, visible=service.visible_to
)


@router.get("", response_model=Page[FuelEntryRead])
async def list_fuel_entries(actor: CurrentActor, asked: LIST.Asked):
    """Fill-ups, newest first; drivers see the ones they logged."""
    return await asked.answer(own_rows(actor))


@router.post("", response_model=FuelEntryRead, status_code=status.HTTP_201_CREATED)
def create_fuel_entry(
    data: FuelEntryCreate, actor: CurrentActor, session: SessionDep, settings: SettingsDep
):
    """Log a fill-up. Drivers: for the vehicle of their open or last trip, with the id of a
    `fuel_receipt` photo. Two of litres / price / total give the third."""
    return service.create_entry(
        session=session,
        actor=actor,
        data=data,
        max_jump_km=settings.odometer_max_jump_km,
        default_offset=default_exif_timezone(settings),
    )


@router.post("/import", response_model=FuelImportResult)
def import_fuel_entries(
    file: UploadFile,
    session: SessionDep,
    actor: FleetManager,
    settings: SettingsDep,
    dry_run: Annotated[bool, Query(description="Check every row, write nothing")] = False,
):
    """A CSV (multipart field `file`) with a header row: `plate` and the JSON fields. Every row
    is checked first; one bad row and nothing is written (422 lists each line and what is
    wrong)."""
    checked = service.import_entries(
        session=session,
        actor=actor,
        content=file.file.read(),
        dry_run=dry_run,
        max_jump_km=settings.odometer_max_jump_km,
        default_offset=default_exif_timezone(settings),
    )
    return FuelImportResult(dry_run=dry_run, checked=checked, created=0 if dry_run else checked)


@router.get("/{entry_id}", response_model=FuelEntryRead)
def get_fuel_entry(entry_id: FuelEntryId, actor: CurrentActor, session: SessionDep):
    """One fill-up; drivers only theirs."""
    return service.get_entry(session=session, entry_id=entry_id, actor=actor)


@router.patch("/{entry_id}", response_model=FuelEntryRead)
def update_fuel_entry(
    entry_id: FuelEntryId,
    data: FuelEntryUpdate,
    actor: FleetManager,
    session: SessionDep,
    settings: SettingsDep,
):
    """Correct a fill-up (manager); km/l of the vehicle's chain is recomputed."""
    entry = service.get_entry(session=session, entry_id=entry_id, actor=actor, for_update=True)
    return service.update_entry(
        session=session,
        entry=entry,
        data=data,
        max_jump_km=settings.odometer_max_jump_km,
        default_offset=default_exif_timezone(settings),
    )


@router.delete("/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_fuel_entry(entry_id: FuelEntryId, actor: FleetManager, session: SessionDep):
    """Remove a fill-up (manager); km/l of the vehicle's chain is recomputed."""
    entry = service.get_entry(session=session, entry_id=entry_id, actor=actor, for_update=True)
    service.delete_entry(session=session, entry=entry)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
