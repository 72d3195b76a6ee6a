from datetime import date
from enum import StrEnum

from pydantic import BaseModel


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


class FeedToken(BaseModel):
    url: str
