from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.documents.models import DocumentKind
from api.params import Id
from api.text import Text

Money = Annotated[Decimal, Field(ge=0, le=10_000_000, decimal_places=2)]


class DocumentStatus(StrEnum):
    valid = "valid"
    due_soon = "due_soon"
    expired = "expired"


class DocumentCreate(BaseModel):
    """A vehicle's (`vehicle_id`: crlv, insurance, ipva, other) or a driver's (`driver_id`:
    toxicology, other). A CRLV counts for the year it was issued in."""

    model_config = ConfigDict(extra="forbid")

    vehicle_id: Id | None = None
    driver_id: Id | None = None
    kind: DocumentKind
    number: Text(60, min_length=0) | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    amount: Money | None = None
    photo_ids: Annotated[list[Id], Field(max_length=20)] = []
    notes: Text(2000, min_length=0) | None = None

    @model_validator(mode="after")
    def _check(self):
        if (self.vehicle_id is None) == (self.driver_id is None):
            raise ValueError("a document is a vehicle's (vehicle_id) or a driver's (driver_id)")
        if self.kind == DocumentKind.toxicology and self.driver_id is None:
            raise ValueError("a toxicology exam is a driver's document: send driver_id")
        if self.kind in ("crlv", "insurance", "ipva") and self.vehicle_id is None:
            raise ValueError(f"a {self.kind} document is a vehicle's: send vehicle_id")
        if self.kind == DocumentKind.crlv and self.issued_on is None:
            raise ValueError("a CRLV needs issued_on (it counts for the year it was issued in)")
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            raise ValueError("expires_on is before issued_on")
        return self


class DocumentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Text(60, min_length=0) | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    amount: Money | None = None
    photo_ids: Annotated[list[Id], Field(max_length=20)] | None = None
    notes: Text(2000, min_length=0) | None = None


class DocumentRead(BaseModel):
    id: int
    vehicle_id: int | None
    driver_id: int | None
    kind: DocumentKind
    number: str | None
    issued_on: date | None
    expires_on: date | None
    amount: float | None
    photo_ids: list[int]
    notes: str | None
    status: DocumentStatus
