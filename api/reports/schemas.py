from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class GroupBy(StrEnum):
    vehicle = "vehicle"
    month = "month"


class CostFigures(BaseModel):
    fuel_cost: float
    service_cost: float
    total_cost: float
    km: int
    liters: float
    cost_per_km: float | None
    km_per_liter: float | None


class CostGroup(CostFigures):
    vehicle_id: int | None
    plate: str | None
    month: date | None


class CostReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    group_by: GroupBy
    groups: list[CostGroup]
    totals: CostFigures
