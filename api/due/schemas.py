from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field


class DueKind(StrEnum):
    reminder = "reminder"
    document = "document"
    licensing = "licensing"
    cnh = "cnh"
    toxicology = "toxicology"
    fine_payment = "fine_payment"
    fine_identification = "fine_identification"
    defect = "defect"


class DueStatus(StrEnum):
    overdue = "overdue"
    due_soon = "due_soon"


class DueItem(BaseModel):
    kind: DueKind
    vehicle_id: int | None
    driver_id: int | None
    title: str
    due_on: date | None
    due_km: int | None
    status: DueStatus
    ref: str
    estimated: bool = Field(
        description="The date is an estimate: licensing by a calendar of another year "
        "(`calendar_year`) or a date no source confirmed"
    )
    calendar_year: int | None = Field(
        description="Licensing: the year of the state's calendar the date comes from"
    )


class FeedToken(BaseModel):
    url: str
