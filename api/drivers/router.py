from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.db import SessionDep
from api.deps import FleetManager
from api.drivers import service
from api.drivers.models import Driver
from api.drivers.schemas import DriverCreate, DriverLogin, DriverRead, DriverUpdate
from api.lists import ListQuery, Page, PageDep, read_columns, read_page
from api.params import DriverId

router = APIRouter(prefix="/drivers", tags=["drivers"])


DRIVERS = ListQuery(
    service.list_drivers_query, service.DriverFilters, read_columns(Driver.__table__, DriverRead)
)
LOGINS = ListQuery(
    service.list_driver_logins_query,
    service.DriverLoginFilters,
    [
        service.list_driver_logins_query(frozenset()).selected_columns[name]
        for name in DriverLogin.model_fields
    ],
)


@router.get("", response_model=Page[DriverRead])
async def list_drivers(
    request: Request,
    _: FleetManager,
    page: PageDep,
    filters: Annotated[service.DriverFilters, Query()],
):
    """List drivers (manager); `license_expiring_within_days` includes expired licences."""
    return await read_page(request, DRIVERS, filters.values(), page)


@router.post("", response_model=DriverRead, status_code=status.HTTP_201_CREATED)
def create_driver(data: DriverCreate, session: SessionDep, _: FleetManager):
    """Register a driver (manager), optionally linked to a `driver` login."""
    return service.create_driver(session=session, data=data)


@router.get("/logins", response_model=Page[DriverLogin])
async def list_driver_logins(
    request: Request,
    _: FleetManager,
    page: PageDep,
    filters: Annotated[service.DriverLoginFilters, Query()],
):
    """Active `driver` logins a manager may link to a driver (managers cannot list users)."""
    return await read_page(request, LOGINS, filters.values(), page)


@router.get("/{driver_id}", response_model=DriverRead)
def get_driver(driver_id: DriverId, session: SessionDep, _: FleetManager):
    """One driver (manager)."""
    return service.get_driver(session=session, driver_id=driver_id)


@router.patch("/{driver_id}", response_model=DriverRead)
def update_driver(driver_id: DriverId, data: DriverUpdate, session: SessionDep, _: FleetManager):
    """Change a driver (manager)."""
    driver = service.get_driver(session=session, driver_id=driver_id)
    return service.update_driver(session=session, driver=driver, data=data)


@router.delete(
    "/{driver_id}",
    response_model=DriverRead,
    responses={204: {"description": "Deleted (no trips)"}},
)
def delete_driver(driver_id: DriverId, session: SessionDep, _: FleetManager):
    """Delete a driver without trips (204); one with trips is deactivated instead (200)."""
    driver = service.get_driver(session=session, driver_id=driver_id)
    kept = service.delete_driver(session=session, driver=driver)
    if kept is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return kept
