from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class GroupBy(StrEnum):
    vehicle = "vehicle"
    month = "month"
    driver = "driver"


class CostFigures(BaseModel):
    fuel_cost: float
    service_cost: float
    total_cost: float
    km: int = Field(description="By vehicle and month: km driven (odometer); by driver: trips")
    liters: float = Field(description="Litres bought in the period")
    cost_per_km: float | None = Field(description="total_cost ÷ km")
    km_per_liter: float | None = Field(
        description="km ÷ litres of the full-to-full segments closed in the period"
    )
    fines: int = Field(description="Fines that occurred in the period")
    fines_amount: float


class CostGroup(CostFigures):
    vehicle_id: int | None
    plate: str | None
    month: date | None
    driver_id: int | None = Field(description="By driver; null: what is no driver's")
    driver: str | None


class CostReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    group_by: GroupBy
    groups: list[CostGroup]
    totals: CostFigures
