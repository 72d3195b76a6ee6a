from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Language = Literal["pt-BR", "en"]
PushURL = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class NotificationPreferencesRead(BaseModel):
    """`push_urls` read back masked: only each URL's scheme (`ntfy://…/…`); they hold tokens."""

    email: bool
    immediate: bool
    digest_hour: int
    language: Language
    push_urls: list[str]


class NotificationPreferencesUpdate(BaseModel):
    """Only the fields sent change; `push_urls` replaces the whole list."""

    model_config = ConfigDict(extra="forbid")

    email: bool | None = None
    immediate: bool | None = None
    digest_hour: int | None = Field(
        None, ge=0, le=23, description="The hour of the fleet's day the digest is sent"
    )
    language: Language | None = None
    push_urls: list[PushURL] | None = Field(
        None, max_length=10, description="Apprise URLs (ntfy://, gotify://, pover://, tgram://, …)"
    )


class TestSent(BaseModel):
    channel: Literal["email", "push"]
    to: str = Field(description="The address, or the push URL masked")


class TestFailed(TestSent):
    error: str


class NotificationTestResult(BaseModel):
    sent: list[TestSent]
    failed: list[TestFailed]
