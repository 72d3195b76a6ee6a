"""`/reports/costs` (managers)."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.db import read
from api.deps import FleetManager, SettingsDep
from api.errors import Invalid
from api.local_time import default_exif_timezone, due_dates
from api.reports import service
from api.reports.schemas import CostReport, GroupBy

router = APIRouter(prefix="/reports", tags=["reports"])
MAX_DAYS = 366 * 5


@router.get("/costs", response_model=CostReport)
async def cost_report(
    request: Request,
    _: FleetManager,
    settings: SettingsDep,
    start: Annotated[
        date | None, Query(alias="from", description="First day (default: 12 months ago)")
    ] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day (default: today)")] = None,
    group_by: GroupBy = GroupBy.vehicle,
):
    """Fuel and service costs, km driven, litres, cost per km, km/l and fines per vehicle, per
    month or per driver, with the totals, computed by PostgreSQL in one query."""
    today = due_dates(settings)["today"]
    end = end or today
    start = start or (end.replace(day=1) - timedelta(days=335)).replace(day=1)
    if start > end:
        raise Invalid("from must not be after to")
    if (end - start).days > MAX_DAYS:
        raise Invalid(f"The period is at most {MAX_DAYS} days")
    values = service.period(start, end, default_exif_timezone(settings))

    async def report(connection):
        return await service.costs(connection, group_by.value, values)

    groups, totals = await read(request, report)
    return CostReport(from_=start, to=end, group_by=group_by, groups=groups, totals=totals)
