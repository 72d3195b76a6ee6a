"""Every model importable from one place (Alembic's env.py, tests, the CLI)."""

from api.actor import Role
from api.audit.models import AuditEntry
from api.db import Base
from api.documents.models import Document, DocumentKind
from api.drivers.models import Driver
from api.events.models import Event
from api.fines.models import Fine
from api.fuel.models import FuelEntry, FuelType
from api.inspections.models import Defect, Inspection, InspectionTemplate
from api.maintenance.models import Reminder, ServiceKind, ServiceRecord
from api.notifications.models import NotificationPreferences, SentNotification
from api.photos.models import Photo, PhotoKind, PruneRun, VerifyRun
from api.trips.models import Trip
from api.users.models import User
from api.vehicles.models import Vehicle, VehicleStatus
from api.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AuditEntry",
    "Defect",
    "Fine",
    "Inspection",
    "NotificationPreferences",
    "InspectionTemplate",
    "Base",
    "Document",
    "DocumentKind",
    "Driver",
    "Event",
    "FuelEntry",
    "FuelType",
    "Photo",
    "PhotoKind",
    "PruneRun",
    "Reminder",
    "Role",
    "ServiceKind",
    "SentNotification",
    "ServiceRecord",
    "Trip",
    "User",
    "Vehicle",
    "VehicleStatus",
    "VerifyRun",
    "WebhookDelivery",
    "WebhookEndpoint",
]
