from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.fines.models import FineStatus, Identification
from api.params import Id
from api.text import Text

Money = Annotated[Decimal, Field(ge=0, le=1_000_000, decimal_places=2)]


class FineCreate(BaseModel):
    """Frota names the driver: the one whose trip on the vehicle covered `occurred_at`."""

    model_config = ConfigDict(extra="forbid")

    vehicle_id: Id
    occurred_at: datetime
    place: Text(200, min_length=0) | None = None
    infraction_code: Text(20, min_length=0) | None = None
    description: Text(500, min_length=0) | None = None
    amount: Money
    points: Annotated[int, Field(ge=0, le=40)] | None = None
    due_on: date | None = None
    notice_received_on: date | None = None
    notes: Text(2000, min_length=0) | None = None


class FineUpdate(BaseModel):
    """Managers: `driver_id` names the driver by hand (an ambiguous or no-trip fine); `status`
    follows the fine (`driver_named` once told to the authority, `paid`, `contested`)."""

    model_config = ConfigDict(extra="forbid")

    driver_id: Id | None = None
    status: FineStatus | None = None
    place: Text(200, min_length=0) | None = None
    infraction_code: Text(20, min_length=0) | None = None
    description: Text(500, min_length=0) | None = None
    amount: Money | None = None
    points: Annotated[int, Field(ge=0, le=40)] | None = None
    due_on: date | None = None
    notice_received_on: date | None = None
    notes: Text(2000, min_length=0) | None = None


class FineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    occurred_at: datetime
    place: str | None
    infraction_code: str | None
    description: str | None
    amount: float
    points: int | None
    due_on: date | None
    notice_received_on: date | None
    driver_id: int | None
    identification: Identification
    candidate_driver_ids: list[int]
    identification_deadline: date | None
    status: FineStatus
    notes: str | None


class FineImportResult(BaseModel):
    dry_run: bool
    checked: int
    created: int
