"""Numbers the database can hold: every id, page and filter a request sends is bounded to its
column's range, so that an out-of-range value is a 422 with a detail, never a 500."""

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import Field

INT4_MAX = 2**31 - 1  # PostgreSQL `integer`: every id and counter column is one

# A row id in a JSON body or a form field.
Id = Annotated[int, Field(ge=1, le=INT4_MAX)]
# The types of a list's filters (the fields of its `Filters`, api/lists.py).
# A row id (`?vehicle_id=7`).
IdFilter = Annotated[int | None, Field(ge=1, le=INT4_MAX)]
# Repeated `id=` filters: at most 200 of them, each a valid id.
IdList = Annotated[
    list[Id] | None,
    Field(alias="id", max_length=200, description="Only these ids (repeat the parameter)"),
]
# The two ends of a time range.
Start = Annotated[datetime | None, Field(description="ISO 8601, inclusive")]
End = Annotated[datetime | None, Field(description="ISO 8601, exclusive")]

# Row ids in paths.
VehicleId = Annotated[int, Path(ge=1, le=INT4_MAX)]
TripId = Annotated[int, Path(ge=1, le=INT4_MAX)]
DriverId = Annotated[int, Path(ge=1, le=INT4_MAX)]
PhotoId = Annotated[int, Path(ge=1, le=INT4_MAX)]
UserId = Annotated[int, Path(ge=1, le=INT4_MAX)]
FuelEntryId = Annotated[int, Path(ge=1, le=INT4_MAX)]
ServiceRecordId = Annotated[int, Path(ge=1, le=INT4_MAX)]
ReminderId = Annotated[int, Path(ge=1, le=INT4_MAX)]
DocumentId = Annotated[int, Path(ge=1, le=INT4_MAX)]
TemplateId = Annotated[int, Path(ge=1, le=INT4_MAX)]
InspectionId = Annotated[int, Path(ge=1, le=INT4_MAX)]
DefectId = Annotated[int, Path(ge=1, le=INT4_MAX)]
FineId = Annotated[int, Path(ge=1, le=INT4_MAX)]
WebhookId = Annotated[int, Path(ge=1, le=INT4_MAX)]
DeliveryId = Annotated[int, Path(ge=1, le=INT4_MAX)]
