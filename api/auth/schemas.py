from pydantic import BaseModel, ConfigDict, Field

from api.security import MAX_PASSWORD_LENGTH
from api.users.schemas import Password, UserRead


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")
    must_change_password: bool = False


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    new_password: Password


class Me(UserRead):
    driver_id: int | None = None
