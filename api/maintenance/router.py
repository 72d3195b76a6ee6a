"""`/service-records` and `/reminders` (managers)."""

from fastapi import APIRouter, Response, status

from api.db import SessionDep
from api.deps import FleetManager, SettingsDep
from api.lists import ListQuery, Page
from api.local_time import default_exif_timezone, due_dates
from api.maintenance import service
from api.maintenance.schemas import (
    ReminderBatch,
    ReminderCreate,
    ReminderRead,
    ReminderUpdate,
    ServiceRecordCreate,
    ServiceRecordRead,
    ServiceRecordUpdate,
)
from api.params import ReminderId, ServiceRecordId

router = APIRouter(tags=["maintenance"])
RECORDS = ListQuery(service.records_query, service.ServiceRecordFilters, ServiceRecordRead)
REMINDERS = ListQuery(service.reminders_query, service.ReminderFilters, ReminderRead)


@router.get("/service-records", response_model=Page[ServiceRecordRead])
async def list_service_records(_: FleetManager, asked: RECORDS.Asked):
    """Services, newest first."""
    return await asked.answer()


@router.post(
    "/service-records", response_model=ServiceRecordRead, status_code=status.HTTP_201_CREATED
)
def create_service_record(
    data: ServiceRecordCreate, actor: FleetManager, session: SessionDep, settings: SettingsDep
):
    """Record a service: `total_cost` is the items (quantity × unit cost) plus labour; the
    reminders in `completes_reminder_ids` start again from its odometer and date."""
    return service.create_record(
        session=session,
        actor=actor,
        data=data,
        max_jump_km=settings.odometer_max_jump_km,
        default_offset=default_exif_timezone(settings),
    )


@router.get("/service-records/{record_id}", response_model=ServiceRecordRead)
def get_service_record(record_id: ServiceRecordId, _: FleetManager, session: SessionDep):
    return service.get_record(session=session, record_id=record_id)


@router.patch("/service-records/{record_id}", response_model=ServiceRecordRead)
def update_service_record(
    record_id: ServiceRecordId,
    data: ServiceRecordUpdate,
    _: FleetManager,
    session: SessionDep,
    settings: SettingsDep,
):
    """Correct a service record; the total follows the items and labour."""
    record = service.get_record(session=session, record_id=record_id, for_update=True)
    return service.update_record(
        session=session, record=record, data=data, default_offset=default_exif_timezone(settings)
    )


@router.delete("/service-records/{record_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_service_record(record_id: ServiceRecordId, _: FleetManager, session: SessionDep):
    record = service.get_record(session=session, record_id=record_id, for_update=True)
    service.delete_record(session=session, record=record)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/reminders", response_model=Page[ReminderRead])
async def list_reminders(_: FleetManager, settings: SettingsDep, asked: REMINDERS.Asked):
    """Reminders, most urgent first: overdue, due soon (within `DUE_SOON_KM` or
    `DUE_SOON_DAYS`, or a km limit forecast to be reached within those days), then ok."""
    return await asked.answer(due_dates(settings))


@router.post(
    "/reminders",
    response_model=ReminderRead | ReminderBatch,
    status_code=status.HTTP_201_CREATED,
)
def create_reminder(
    data: ReminderCreate, _: FleetManager, session: SessionDep, settings: SettingsDep
):
    """A plan for one vehicle (`vehicle_id`: the reminder) or for many (`vehicle_ids`:
    `{items: [...]}`), by km, by months or both (whichever comes first)."""
    offset = default_exif_timezone(settings)
    reminders = service.create_reminders(session=session, data=data, default_offset=offset)
    read = service.read_reminders(session, [r.id for r in reminders], due_dates(settings))
    return read[0] if data.vehicle_id is not None else ReminderBatch(items=read)


@router.get("/reminders/{reminder_id}", response_model=ReminderRead)
def get_reminder(
    reminder_id: ReminderId, _: FleetManager, session: SessionDep, settings: SettingsDep
):
    service.get_reminder(session=session, reminder_id=reminder_id)
    values = due_dates(settings)
    return service.read_reminders(session, [reminder_id], values)[0]


@router.patch("/reminders/{reminder_id}", response_model=ReminderRead)
def update_reminder(
    reminder_id: ReminderId,
    data: ReminderUpdate,
    _: FleetManager,
    session: SessionDep,
    settings: SettingsDep,
):
    reminder = service.get_reminder(session=session, reminder_id=reminder_id, for_update=True)
    service.update_reminder(session=session, reminder=reminder, data=data)
    values = due_dates(settings)
    return service.read_reminders(session, [reminder_id], values)[0]


@router.delete("/reminders/{reminder_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_reminder(reminder_id: ReminderId, _: FleetManager, session: SessionDep):
    reminder = service.get_reminder(session=session, reminder_id=reminder_id, for_update=True)
    session.delete(reminder)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
