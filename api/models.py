"""Every model importable from one place (Alembic's env.py, tests, the CLI)."""

from api.db import Base
from api.documents.models import Document, DocumentKind
from api.drivers.models import Driver
from api.fuel.models import FuelEntry, FuelType
from api.maintenance.models import Reminder, ServiceKind, ServiceRecord
from api.photos.models import Photo, PhotoKind, PruneRun, VerifyRun
from api.trips.models import Trip
from api.users.models import Role, User
from api.vehicles.models import Vehicle, VehicleStatus

__all__ = [
    "Base",
    "Document",
    "DocumentKind",
    "Driver",
    "FuelEntry",
    "FuelType",
    "Photo",
    "PhotoKind",
    "PruneRun",
    "Reminder",
    "Role",
    "ServiceKind",
    "ServiceRecord",
    "Trip",
    "User",
    "Vehicle",
    "VehicleStatus",
    "VerifyRun",
]
