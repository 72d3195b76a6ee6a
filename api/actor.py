"""Who is asking: the roles, the caller of a request (`Actor`), the rows a driver may see, and
the user id of the request being served (for its logs, its audit rows and its rate limit)."""

from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    manager = "manager"
    driver = "driver"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: the user, their role, and the driver record linked to them (if any)."""

    id: int
    role: Role
    driver_id: int | None
    must_change_password: bool

    @property
    def is_driver(self) -> bool:
        return self.role == Role.driver


# The one holder of the caller's user id while a request is served: the rate limits set it from
# a valid token before routing, the dependency (api/deps.py) once the account is checked; the
# access log and the audit log read it. Reset by the request middleware after each request.
current_user_id: ContextVar[int | None] = ContextVar("current_user_id", default=None)


# Lists are compiled once per set of filters (api/lists.py), so a driver's own id is bound by
# name: `visible_to(query, ANY_DRIVER)` compiles "only this driver's rows" for every driver, and
# `own_rows(actor)` gives the value for the request.
OWN_DRIVER_ID = "own_driver_id"
NO_DRIVER_RECORD = "Your login is not linked to a driver record; ask a manager"
ANY_DRIVER = Actor(id=0, role=Role.driver, driver_id=0, must_change_password=False)


def own_rows(actor: Actor) -> dict:
    """The bound value that limits a driver's list to their own rows (none: no driver record)."""
    return {OWN_DRIVER_ID: actor.driver_id or 0} if actor.is_driver else {}
