from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.inspections.models import DefectStatus, ItemResult, Phase, Severity
from api.params import Id
from api.text import Text

ItemKey = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,60}$")]


class TemplateItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: ItemKey
    label: Text(200)
    critical: bool = False


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text(120)
    items: Annotated[list[TemplateItem], Field(min_length=1, max_length=100)]
    required_at_check_out: bool = False

    @field_validator("items")
    @classmethod
    def _unique_keys(cls, items: list[TemplateItem]) -> list[TemplateItem]:
        keys = [item.key for item in items]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"item keys must be unique: {', '.join(twice)}")
        return items


class TemplateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    items: list[TemplateItem]
    required_at_check_out: bool


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: ItemKey
    result: ItemResult
    note: Text(1000, min_length=0) | None = None
    photo_id: Id | None = None


class InspectionCreate(BaseModel):
    """Every item of the template once. A driver inspects for themself; a manager may name the
    driver. Each failed item opens a defect."""

    model_config = ConfigDict(extra="forbid")

    vehicle_id: Id
    template_id: Id
    phase: Phase
    odometer_km: Annotated[int, Field(ge=0, le=5_000_000)]
    results: Annotated[list[ResultIn], Field(min_length=1, max_length=100)]
    driver_id: Id | None = Field(None, description="Managers only")


class ResultRead(BaseModel):
    key: str
    result: ItemResult
    note: str | None = None
    photo_id: int | None = None


class InspectionRead(BaseModel):
    id: int
    vehicle_id: int
    driver_id: int | None
    trip_id: int | None
    template_id: int
    phase: Phase
    odometer_km: int
    performed_at: datetime
    results: list[ResultRead]
    defect_ids: list[int]


class DefectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_id: Id
    description: Text(2000)
    severity: Severity = Severity.minor


class DefectUpdate(BaseModel):
    """Managers: `in_repair`, `resolved`, `dismissed` (or back to `open`); a service record
    resolves a defect with its `resolves_defect_ids`."""

    model_config = ConfigDict(extra="forbid")

    status: DefectStatus | None = None
    severity: Severity | None = None
    description: Text(2000) | None = None


class DefectRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    inspection_id: int | None
    item_key: str | None
    description: str
    severity: Severity
    status: DefectStatus
    resolved_by_service_record_id: int | None
    created_at: datetime
