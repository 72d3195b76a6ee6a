from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.params import Id
from api.photos.models import PhotoKind


class PhotoUploadForm(BaseModel):
    """The text fields of the multipart upload (the `file` part is streamed separately)."""

    model_config = ConfigDict(extra="ignore")

    vehicle_id: Id
    trip_id: Id | None = None
    kind: PhotoKind
    taken_at: AwareDatetime | None = Field(
        None, description="When the photo was taken (ISO 8601 with offset); else from EXIF"
    )


class PhotoUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    legal_hold: bool | None = Field(None, description="Kept by pruning while true")
    kind: PhotoKind | None = None


class PhotoRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    trip_id: int | None
    kind: PhotoKind
    sha256: str
    size_bytes: int
    width: int
    height: int
    content_type: str
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None
    legal_hold: bool
    uploaded_at: datetime = Field(description="When the server stored it")
    pruned_at: datetime | None = Field(description="When pruning deleted the files")
    url: str | None = Field(description="Signed, expiring link to the original; no token needed")
    thumbnail_url: str | None = Field(description="Signed, expiring link to the thumbnail")
