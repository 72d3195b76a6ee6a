"""Photo files are fetched with a bearer token or with a signed URL (an `<img>` has no token)."""

from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from api.db import SessionDep
from api.deps import SettingsDep, _active_user, _authenticated_user, oauth2_scheme
from api.errors import Forbidden
from api.photos import service, signing
from api.photos.models import Photo


class SignedOrBearer:
    """Loads the photo for a file route: a valid signature for this photo and variant, or a
    bearer token of a user who may see it."""

    def __init__(self, variant: signing.Variant):
        self.variant = variant

    def __call__(
        self,
        photo_id: int,
        request: Request,
        session: SessionDep,
        settings: SettingsDep,
        token: Annotated[str | None, Depends(oauth2_scheme)],
        expires: Annotated[int | None, Query(description="From a signed URL")] = None,
        signature: Annotated[
            str | None, Query(max_length=100, description="From a signed URL")
        ] = None,
        rendition: Annotated[
            Literal["jpeg"] | None,
            Query(alias="format", description="`jpeg`: a browser-viewable rendition (HEIC)"),
        ] = None,
    ) -> Photo:
        request.state.photo_variant = variant = (
            "display" if self.variant == "file" and rendition == "jpeg" else self.variant
        )
        if expires is None and signature is None:
            user = _active_user(_authenticated_user(request, session, settings, token))
            return service.get_photo(session=session, photo_id=photo_id, user=user)
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
        return service.get_photo(session=session, photo_id=photo_id, user=None)
