"""Every model importable from one place (Alembic's env.py, tests, the CLI)."""

from api.db import Base
from api.drivers.models import Driver
from api.photos.models import Photo, PhotoKind, PruneRun, VerifyRun
from api.trips.models import Trip
from api.users.models import Role, User
from api.vehicles.models import Vehicle, VehicleStatus

__all__ = [
    "Base",
    "Driver",
    "Photo",
    "PhotoKind",
    "PruneRun",
    "Role",
    "Trip",
    "User",
    "Vehicle",
    "VehicleStatus",
    "VerifyRun",
]
