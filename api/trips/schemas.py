from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.params import Id
from api.text import Text

OdometerKm = Annotated[int, Field(ge=0, le=5_000_000)]


class TripCheckOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_id: Id
    start_odometer_km: OdometerKm
    purpose: Text(500, min_length=0) | None = None
    driver_id: Id | None = Field(
        None, description="Managers only; a driver checks out for themself"
    )
    confirm: bool = Field(False, description="Accept a reading far above the vehicle's odometer")


class TripFinish(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end_odometer_km: OdometerKm
    notes: Text(2000, min_length=0) | None = None
    confirm: bool = Field(False, description="Accept a trip longer than ODOMETER_MAX_JUMP_KM")


class TripRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    driver_id: int
    start_odometer_km: int
    end_odometer_km: int | None
    started_at: datetime
    finished_at: datetime | None
    purpose: str | None
    notes: str | None


TripState = Literal["open", "finished"]
