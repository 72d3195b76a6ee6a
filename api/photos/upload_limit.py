"""An ASGI layer that caps request bodies while they stream in, answering 413 at once.

FastAPI reads a body before the route runs, so a limit checked in the route would come after
the whole body was read. This layer sees every `http.request` message: a declared
Content-Length over the limit is refused before a byte is read, and a chunked body is refused
the moment the running count passes it."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import PayloadTooLarge, send_error

MULTIPART_OVERHEAD_BYTES = 64 * 1024  # form fields (at most 16 x 1 kB) and part headers
DEFAULT_MAX_BODY_BYTES = 1 << 20  # JSON and login forms are far smaller
RESUMABLE_PATH = "/api/v1/uploads"  # tus: the body of a POST or PATCH is photo bytes


MIB = 1024 * 1024


class PhotoTooLarge(PayloadTooLarge):
    """A photo past MAX_UPLOAD_MB, however it comes (multipart, resumable, this layer)."""

    def __init__(self, max_bytes: int):
        super().__init__(f"The photo is larger than the limit of {max_bytes // MIB} MB")


class BodyTooLarge(PayloadTooLarge):
    """Raised from `receive` to stop the app reading a body past the limit."""


class UploadSizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_upload_mb: int,
        upload_paths: tuple[str, ...] = ("/api/v1/photos",),
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ):
        self.app = app
        self.upload_paths = upload_paths
        self.max_upload_mb = max_upload_mb
        self.max_upload_bytes = max_upload_mb * 1024 * 1024 + MULTIPART_OVERHEAD_BYTES
        self.max_body_bytes = max_body_bytes

    def _limit(self, scope: Scope) -> tuple[int, PayloadTooLarge]:
        path = scope["path"].rstrip("/")
        if (
            scope["method"] == "POST"
            and path in self.upload_paths
            or (scope["method"] in ("POST", "PATCH") and path.startswith(RESUMABLE_PATH))
        ):
            return self.max_upload_bytes, PhotoTooLarge(self.max_upload_mb * MIB)
        return self.max_body_bytes, PayloadTooLarge(
            f"Request body larger than {self.max_body_bytes} bytes"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, refusal = self._limit(scope)

        async def refuse() -> None:
            # The rest of the body is never read: the client must not send it on this connection.
            await send_error(scope, receive, send, refusal, headers={"Connection": "close"})

        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await refuse()
            return

        received = 0
        exceeded = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyTooLarge(refusal.message)
            event = await receive()
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(refusal.message)
            return event

        async def guarded_send(event: Message) -> None:
            nonlocal response_started
            if event["type"] == "http.response.start":
                if exceeded:
                    # Whatever the app made of the aborted body (a 400 from form parsing, say),
                    # the client's problem is the size.
                    response_started = True
                    await refuse()
                    return
                response_started = True
            elif exceeded and event["type"] == "http.response.body":
                return
            await send(event)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if response_started:
                raise
            await refuse()


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
