import re
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.text import Text
from api.vehicles.models import PLATE_PATTERN, VehicleStatus

Text60 = Text(60)
OdometerKm = Annotated[int, Field(ge=0, le=5_000_000)]
_SEPARATORS = re.compile(r"[\s\-.·_/]")


def normalise_plate(value: str) -> str:
    """`abc-1234`, `ABC 1D23` → `ABC1234`, `ABC1D23`; anything else is refused."""
    plate = _SEPARATORS.sub("", value).upper()
    if not re.fullmatch(PLATE_PATTERN, plate):
        raise ValueError(
            "plate must be a Brazilian plate: old format ABC1234 or Mercosul ABC1D23 "
            "(separators are ignored)"
        )
    return plate


def _check_year(value: int) -> int:
    latest = date.today().year + 1
    if not 1950 <= value <= latest:
        raise ValueError(f"year must be between 1950 and {latest}")
    return value


class VehicleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plate: Annotated[str, Field(max_length=20)]
    make: Text60
    model: Text60
    year: int
    odometer_km: OdometerKm = 0
    status: VehicleStatus = VehicleStatus.available

    @field_validator("plate")
    @classmethod
    def _plate(cls, value: str) -> str:
        return normalise_plate(value)

    @field_validator("year")
    @classmethod
    def _year(cls, value: int) -> int:
        return _check_year(value)


class VehicleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plate: Annotated[str, Field(max_length=20)] | None = None
    make: Text60 | None = None
    model: Text60 | None = None
    year: int | None = None
    odometer_km: OdometerKm | None = None
    status: VehicleStatus | None = None

    @field_validator("plate")
    @classmethod
    def _plate(cls, value: str | None) -> str | None:
        return None if value is None else normalise_plate(value)

    @field_validator("year")
    @classmethod
    def _year(cls, value: int | None) -> int | None:
        return None if value is None else _check_year(value)


class VehicleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plate: str
    make: str
    model: str
    year: int
    odometer_km: int
    status: VehicleStatus
