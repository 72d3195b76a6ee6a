from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.db import SessionDep
from api.deps import FleetManager, PageDep
from api.drivers import service
from api.drivers.schemas import DriverCreate, DriverLogin, DriverRead, DriverUpdate
from api.pagination import Page, paginate
from api.text import NoNul

router = APIRouter(prefix="/drivers", tags=["drivers"])


@router.get("", response_model=Page[DriverRead])
def list_drivers(
    request: Request,
    session: SessionDep,
    _: FleetManager,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=120, description="Part of the name"), NoNul] = None,
    license_expiring_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    is_active: bool | None = None,
    ids: Annotated[
        list[int] | None, Query(alias="id", max_length=200, description="Only these ids (repeat)")
    ] = None,
):
    """List drivers (manager); `license_expiring_within_days` includes expired licences."""
    query = service.list_drivers_query(
        search=q, license_expiring_within_days=license_expiring_within_days, is_active=is_active,
        ids=ids,
    )
    rows, meta = paginate(session, query, page, request)
    return {"items": rows, **meta}


@router.post("", response_model=DriverRead, status_code=status.HTTP_201_CREATED)
def create_driver(data: DriverCreate, session: SessionDep, _: FleetManager):
    """Register a driver (manager), optionally linked to a `driver` login."""
    return service.create_driver(session=session, data=data)


@router.get("/logins", response_model=Page[DriverLogin])
def list_driver_logins(
    request: Request,
    session: SessionDep,
    _: FleetManager,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=120, description="Name or e-mail"), NoNul] = None,
    unlinked: Annotated[bool, Query(description="Only logins no driver uses yet")] = False,
    ids: Annotated[
        list[int] | None, Query(alias="id", max_length=200, description="Only these user ids")
    ] = None,
):
    """Active `driver` logins a manager may link to a driver (managers cannot list users)."""
    query = service.list_driver_logins_query(search=q, unlinked=unlinked, user_ids=ids)
    users, meta = paginate(session, query, page, request)
    linked = service.drivers_of_users(session=session, user_ids=[u.id for u in users])
    items = [
        DriverLogin(id=u.id, email=u.email, name=u.name, driver_id=linked.get(u.id)) for u in users
    ]
    return {"items": items, **meta}


@router.get("/{driver_id}", response_model=DriverRead)
def get_driver(driver_id: int, session: SessionDep, _: FleetManager):
    """One driver (manager)."""
    return service.get_driver(session=session, driver_id=driver_id)


@router.patch("/{driver_id}", response_model=DriverRead)
def update_driver(driver_id: int, data: DriverUpdate, session: SessionDep, _: FleetManager):
    """Change a driver (manager)."""
    driver = service.get_driver(session=session, driver_id=driver_id)
    return service.update_driver(session=session, driver=driver, data=data)


@router.delete(
    "/{driver_id}",
    response_model=DriverRead,
    responses={204: {"description": "Deleted (no trips)"}},
)
def delete_driver(driver_id: int, session: SessionDep, _: FleetManager):
    """Delete a driver without trips (204); one with trips is deactivated instead (200)."""
    driver = service.get_driver(session=session, driver_id=driver_id)
    kept = service.delete_driver(session=session, driver=driver)
    if kept is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return kept
