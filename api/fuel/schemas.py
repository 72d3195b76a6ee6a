from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.fuel.models import FuelType
from api.params import Id
from api.text import Text

OdometerKm = Annotated[int, Field(ge=0, le=5_000_000)]
Liters = Annotated[Decimal, Field(gt=0, le=5000, decimal_places=3)]
PricePerLiter = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=3)]
TotalPrice = Annotated[Decimal, Field(ge=0, le=1_000_000, decimal_places=2)]
Notes = Text(2000, min_length=0)
Station = Text(120, min_length=0)


class FuelEntryCreate(BaseModel):
    """Two of `liters`, `price_per_liter` and `total_price` give the third (all three must
    agree within 1 %)."""

    model_config = ConfigDict(extra="forbid")

    vehicle_id: Id | None = Field(
        None, description="Required for managers; a driver's is the vehicle of their trip"
    )
    driver_id: Id | None = Field(None, description="Managers only")
    trip_id: Id | None = Field(None, description="Managers only; a driver's is set for them")
    filled_at: datetime | None = Field(None, description="Default: now")
    odometer_km: OdometerKm
    liters: Liters | None = None
    price_per_liter: PricePerLiter | None = None
    total_price: TotalPrice | None = None
    fuel_type: FuelType
    full_tank: bool = True
    missed_previous: bool = Field(
        False, description="A fill-up before this one was not logged: no km/l across it"
    )
    station: Station | None = None
    receipt_photo_id: Id | None = Field(
        None, description="A `fuel_receipt` photo of the vehicle; required for drivers"
    )
    notes: Notes | None = None
    confirm: bool = Field(False, description="Accept a reading far above the previous one")


class FuelEntryUpdate(BaseModel):
    """Managers. Sending any of `liters`, `price_per_liter`, `total_price` needs two of them."""

    model_config = ConfigDict(extra="forbid")

    driver_id: Id | None = None
    trip_id: Id | None = None
    filled_at: datetime | None = None
    odometer_km: OdometerKm | None = None
    liters: Liters | None = None
    price_per_liter: PricePerLiter | None = None
    total_price: TotalPrice | None = None
    fuel_type: FuelType | None = None
    full_tank: bool | None = None
    missed_previous: bool | None = None
    station: Station | None = None
    receipt_photo_id: Id | None = None
    notes: Notes | None = None
    confirm: bool = False


class FuelEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    driver_id: int | None
    trip_id: int | None
    filled_at: datetime
    odometer_km: int
    liters: float
    price_per_liter: float
    total_price: float
    fuel_type: FuelType
    full_tank: bool
    missed_previous: bool
    station: str | None
    receipt_photo_id: int | None
    segment_km: int | None = Field(
        description="km since the previous full fill-up, on a full one that closes a segment"
    )
    segment_liters: float | None = Field(description="Litres bought in that segment")
    km_per_liter: float | None = Field(description="segment_km ÷ segment_liters")
    notes: str | None


class FuelImportResult(BaseModel):
    dry_run: bool
    checked: int = Field(description="Rows read and found valid")
    created: int = Field(description="Entries written (0 on a dry run)")
