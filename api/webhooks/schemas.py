from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.events.recorder import EVENT_TYPES
from api.text import Text

EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]


def _in_documented_order(types: list[str]) -> list[str]:
    """Each type once, in the order the API documents them."""
    return [t for t in EVENT_TYPES if t in types]


EventTypes = Annotated[
    list[EventType],
    Field(min_length=1, max_length=50, description="The event types sent (at least one)"),
    AfterValidator(_in_documented_order),
]
URL = Text(2000)


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: URL
    events: EventTypes
    description: Text(200, min_length=0) = ""
    active: bool = True


class WebhookUpdate(BaseModel):
    """`active: true` turns a disabled endpoint back on (its reason and failures forgotten)."""

    model_config = ConfigDict(extra="forbid")

    url: URL | None = None
    events: EventTypes | None = None
    description: Text(200, min_length=0) | None = None
    active: bool | None = None


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    events: list[str]
    active: bool
    description: str
    disabled_reason: str | None
    created_at: datetime


class WebhookWithSecret(WebhookRead):
    """The answer that makes a secret: the only time it is shown."""

    secret: str = Field(description="`whsec_…`: verify the signatures with it; shown only now")


class Attempt(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: int
    type: str
    status: Literal["pending", "failed", "delivered", "dead"]
    attempts: list[Attempt]
    next_attempt_at: datetime | None
