from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.maintenance.models import ServiceKind
from api.params import Id
from api.text import Text

OdometerKm = Annotated[int, Field(ge=0, le=5_000_000)]
Money = Annotated[Decimal, Field(ge=0, le=10_000_000, decimal_places=2)]
IdSet = Annotated[list[Id], Field(max_length=100)]


class ServiceItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text(120)
    quantity: Annotated[Decimal, Field(gt=0, le=100_000, decimal_places=3)] = Decimal(1)
    unit_cost: Money


class ServiceRecordCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_id: Id
    performed_at: datetime | None = Field(None, description="Default: now")
    odometer_km: OdometerKm
    kind: ServiceKind
    description: Text(2000, min_length=0) | None = None
    vendor: Text(120, min_length=0) | None = None
    items: Annotated[list[ServiceItem], Field(max_length=200)] = []
    labor_cost: Money = Decimal(0)
    photo_ids: IdSet = []
    completes_reminder_ids: IdSet = Field([], description="Reminders this service resets")
    resolves_defect_ids: IdSet = Field([], description="Defects this service fixed")
    confirm: bool = Field(False, description="Accept a reading far above the vehicle's odometer")


class ServiceRecordUpdate(BaseModel):
    """Corrections; `completes_reminder_ids` are applied when the record is made."""

    model_config = ConfigDict(extra="forbid")

    performed_at: datetime | None = None
    kind: ServiceKind | None = None
    description: Text(2000, min_length=0) | None = None
    vendor: Text(120, min_length=0) | None = None
    items: Annotated[list[ServiceItem], Field(max_length=200)] | None = None
    labor_cost: Money | None = None
    photo_ids: IdSet | None = None


class ServiceItemRead(BaseModel):
    name: str
    quantity: float
    unit_cost: float


class ServiceRecordRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    performed_at: datetime
    odometer_km: int
    kind: ServiceKind
    description: str | None
    vendor: str | None
    items: list[ServiceItemRead]
    labor_cost: float
    total_cost: float
    photo_ids: list[int]
    completes_reminder_ids: list[int]
    resolves_defect_ids: list[int]


class ReminderStatus(StrEnum):
    ok = "ok"
    due_soon = "due_soon"
    overdue = "overdue"


class ReminderCreate(BaseModel):
    """One vehicle (`vehicle_id`) or the same plan for many (`vehicle_ids`). Without
    `last_done_km` / `last_done_on` the plan starts now: the vehicle's odometer, today."""

    model_config = ConfigDict(extra="forbid")

    vehicle_id: Id | None = None
    vehicle_ids: Annotated[list[Id], Field(min_length=1, max_length=500)] | None = None
    title: Text(120)
    every_km: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    every_months: Annotated[int, Field(ge=1, le=240)] | None = None
    last_done_km: OdometerKm | None = None
    last_done_on: date | None = None
    notes: Text(2000, min_length=0) | None = None

    @model_validator(mode="after")
    def _check(self):
        if (self.vehicle_id is None) == (self.vehicle_ids is None):
            raise ValueError("send vehicle_id (one vehicle) or vehicle_ids (many), not both")
        if self.every_km is None and self.every_months is None:
            raise ValueError("a reminder needs every_km, every_months or both")
        return self


class ReminderUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Text(120) | None = None
    every_km: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    every_months: Annotated[int, Field(ge=1, le=240)] | None = None
    last_done_km: OdometerKm | None = None
    last_done_on: date | None = None
    notes: Text(2000, min_length=0) | None = None


class ReminderRead(BaseModel):
    id: int
    vehicle_id: int
    title: str
    every_km: int | None
    every_months: int | None
    last_done_km: int | None
    last_done_on: date | None
    due_km: int | None
    due_on: date | None
    forecast_due_on: date | None
    status: ReminderStatus
    notes: str | None


class ReminderBatch(BaseModel):
    items: list[ReminderRead]
