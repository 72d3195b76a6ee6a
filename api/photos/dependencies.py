"""Photo files are fetched with a bearer token or with a signed URL (an `<img>` has no token)."""

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from api.actor import Actor
from api.deps import SettingsDep, current_actor, oauth2_scheme
from api.errors import Forbidden
from api.params import PhotoId
from api.photos import signing

UNIX_TIME_MAX = 2**40  # a signed link's expiry is a Unix time, never stored


@dataclass(frozen=True, slots=True)
class FileAccess:
    """A photo file request that may go on: the photo, the variant, and the actor whose
    visibility rules apply (None: a valid signature for this photo and variant)."""

    photo_id: int
    variant: signing.Variant
    actor: Actor | None
    expires: int | None = None  # the signed link's expiry (Unix time)


class SignedOrBearer:
    """A valid signature for this photo and variant, or a bearer token (checked as every
    request's is, on the event loop)."""

    def __init__(self, variant: signing.Variant):
        self.variant = variant

    async def __call__(
        self,
        photo_id: PhotoId,
        request: Request,
        settings: SettingsDep,
        token: Annotated[str | None, Depends(oauth2_scheme)],
        expires: Annotated[
            int | None, Query(ge=0, le=UNIX_TIME_MAX, description="From a signed URL")
        ] = None,
        signature: Annotated[
            str | None, Query(max_length=100, description="From a signed URL")
        ] = None,
        rendition: Annotated[
            Literal["jpeg"] | None,
            Query(alias="format", description="`jpeg`: a browser-viewable rendition (HEIC)"),
        ] = None,
    ) -> FileAccess:
        variant = "display" if self.variant == "file" and rendition == "jpeg" else self.variant
        if expires is None and signature is None:
            actor = await current_actor(request, token)
            return FileAccess(photo_id=photo_id, variant=variant, actor=actor)
        if expires is None or signature is None:
            raise Forbidden("A signed photo link needs both `expires` and `signature`")
        try:
            signing.verify(
                secret_key=settings.secret_key.get_secret_value(),
                photo_id=photo_id,
                variant=variant,
                expires=expires,
                signature=signature,
            )
        except signing.BadSignature as exc:
            raise Forbidden(str(exc)) from exc
        return FileAccess(photo_id=photo_id, variant=variant, actor=None, expires=expires)
