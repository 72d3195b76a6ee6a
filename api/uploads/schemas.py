from datetime import datetime

from pydantic import BaseModel, Field


class UploadRead(BaseModel):
    """`GET /uploads/{id}`: where a resumable upload stands, in JSON (not a tus request)."""

    offset: int = Field(description="Bytes the server holds")
    length: int = Field(description="Bytes the upload will have")
    expires_at: datetime = Field(description="After this an unfinished upload is gone")
    photo_id: int | None = Field(description="The photo it became, once complete")
