import re
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.drivers.models import LICENSE_CATEGORIES
from api.params import Id
from api.text import Text

Name = Text(120)


def normalise_license_number(value: str) -> str:
    digits = re.sub(r"[\s\-.]", "", value)
    if not re.fullmatch(r"[0-9]{11}", digits):
        raise ValueError("license_number must be the CNH's 11 digits")
    return digits


def normalise_category(value: str) -> str:
    category = value.strip().upper()
    if category not in LICENSE_CATEGORIES:
        raise ValueError(f"license_category must be one of {', '.join(LICENSE_CATEGORIES)}")
    return category


def _check_expiry(value: date) -> date:
    if not date(1990, 1, 1) <= value <= date(2100, 12, 31):
        raise ValueError("license_expiry is not a plausible date")
    return value


class DriverCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    license_number: Annotated[str, Field(max_length=20)]
    license_category: Annotated[str, Field(max_length=2)]
    license_expiry: date
    user_id: Id | None = None

    @field_validator("license_number")
    @classmethod
    def _number(cls, value: str) -> str:
        return normalise_license_number(value)

    @field_validator("license_category")
    @classmethod
    def _category(cls, value: str) -> str:
        return normalise_category(value)

    @field_validator("license_expiry")
    @classmethod
    def _expiry(cls, value: date) -> date:
        return _check_expiry(value)


class DriverUpdate(BaseModel):
    """All optional; `user_id: null` unlinks the login."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    license_number: Annotated[str, Field(max_length=20)] | None = None
    license_category: Annotated[str, Field(max_length=2)] | None = None
    license_expiry: date | None = None
    user_id: Id | None = None
    is_active: bool | None = None

    @field_validator("license_number")
    @classmethod
    def _number(cls, value: str | None) -> str | None:
        return None if value is None else normalise_license_number(value)

    @field_validator("license_category")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        return None if value is None else normalise_category(value)

    @field_validator("license_expiry")
    @classmethod
    def _expiry(cls, value: date | None) -> date | None:
        return None if value is None else _check_expiry(value)


class DriverRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    license_number: str
    license_category: str
    license_expiry: date
    user_id: int | None
    is_active: bool


class DriverLogin(BaseModel):
    """A `driver` user, as a manager sees it when linking a login to a driver."""

    id: int
    email: str
    name: str
    driver_id: int | None = Field(description="The driver this login is linked to, if any")
