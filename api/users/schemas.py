from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from api.actor import Role
from api.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from api.text import Text

Name = Text(120)
Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    name: Name
    role: Role
    password: Password
    must_change_password: bool = False

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    role: Role | None = None
    is_active: bool | None = None
    password: Password | None = None
    must_change_password: bool | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role
    is_active: bool
    must_change_password: bool
