"""The managers' web panel: static files served by the API, no build step.

`index.html` is never cached; every other file is served under `/panel/assets/<version>/`,
where the version is a hash of all the panel's files, so browsers may keep them for a year
and still pick up a new release at once.
"""

import hashlib
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSET_PLACEHOLDER = "__ASSETS__"
IMMUTABLE = "public, max-age=31536000, immutable"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class PanelAssets:
    version: str
    files: dict[str, Path]  # path under static/ → file; only these are ever served
    index_html: bytes


@lru_cache
def panel_assets() -> PanelAssets:
    """Read the panel once per worker: the file list, their version hash and index.html."""
    digest = hashlib.sha256()
    files: dict[str, Path] = {}
    for path in sorted(p for p in STATIC_DIR.rglob("*") if p.is_file()):
        relative = path.relative_to(STATIC_DIR).as_posix()
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
        if relative != "index.html":
            files[relative] = path
    version = digest.hexdigest()[:16]
    index = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    index = index.replace(ASSET_PLACEHOLDER, f"assets/{version}")
    return PanelAssets(version=version, files=files, index_html=index.encode())


@router.api_route("/panel", methods=["GET", "HEAD"])
def panel_redirect() -> RedirectResponse:
    """The panel lives at `/panel/`, so that its relative asset links resolve."""
    return RedirectResponse("/panel/", status_code=308)


@router.api_route("/panel/", methods=["GET", "HEAD"])
@router.api_route("/panel/index.html", methods=["GET", "HEAD"])
def panel_index(request: Request) -> Response:
    """The panel's page: revalidated on every load, so a new release shows at once."""
    assets = panel_assets()
    etag = f'"{assets.version}"'
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(assets.index_html, media_type="text/html; charset=utf-8", headers=headers)


@router.api_route("/panel/assets/{version}/{path:path}", methods=["GET", "HEAD"])
def panel_asset(version: str, path: str) -> Response:
    """A versioned panel file, cacheable for a year; other versions are gone (404)."""
    assets = panel_assets()
    file = assets.files.get(path) if version == assets.version else None
    if file is None:
        return Response(
            '{"detail":"Not Found"}',
            status_code=404,
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )
    media_type = CONTENT_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
    return FileResponse(file, media_type=media_type, headers={"Cache-Control": IMMUTABLE})
