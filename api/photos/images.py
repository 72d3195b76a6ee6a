"""What the bytes are (never what the client says), EXIF facts, and the thumbnail."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pillow_heif
from PIL import ExifTags, Image

from api.errors import FrotaError, Invalid, UnsupportedMediaType
from api.local_time import parse_offset

pillow_heif.register_heif_opener()

# A 50 MP phone photo passes; a 30000 x 30000 "bomb" (900 MP, gigabytes once decoded) does not.
MAX_PIXELS = 64_000_000
# Pillow itself raises above twice its limit and warns above it; we refuse above MAX_PIXELS.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
THUMBNAIL_LONG_SIDE = 1024
THUMBNAIL_MIN_LONG_SIDE = 768  # a JPEG's thumbnail is 768-1024 px long, whatever scale fits
THUMBNAIL_QUALITY = 82
DISPLAY_QUALITY = 88

# format: (content type, file extension)
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "HEIF": ("image/heic", "heic"),
}
CONTENT_TYPES = {content_type: ext for content_type, ext in FORMATS.values()}
# Originals that browsers cannot show: stored with a JPEG rendition (`has_display`).
HAS_DISPLAY_TYPES = frozenset({FORMATS["HEIF"][0]})
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
# EXIF orientation → the transpose that shows the photo upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass
class ImageFacts:
    format: str
    content_type: str
    extension: str
    width: int  # as shown, after the EXIF orientation
    height: int
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None
    has_display: bool = False  # a JPEG rendition was written (HEIC: browsers cannot show it)


def sniff_format(path: Path) -> str | None:
    """JPEG, PNG, WEBP or HEIF from the file's first bytes; None for anything else."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        box_size = int.from_bytes(head[:4], "big")
        brands = {head[8:12]} | {
            head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)
        }
        if brands & _HEIC_BRANDS:
            return "HEIF"
    return None


def _exif_datetime(value, offset: str | None, default_tz: timezone) -> datetime | None:
    try:
        naive = datetime.strptime(str(value).strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    taken = naive.replace(tzinfo=parse_offset(offset) or default_tz).astimezone(UTC)
    # A camera clock that was never set says 1970 or 2080; keep nothing rather than nonsense.
    if taken.year < 2000 or taken > datetime.now(UTC) + timedelta(days=1):
        return None
    return taken


def _degrees(value, ref) -> float | None:
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    return -degrees if str(ref).strip("\x00 ").upper() in ("S", "W") else degrees


def read_exif(exif: Image.Exif, default_tz: timezone):
    """(taken_at, latitude, longitude) from EXIF; None for what is missing or implausible."""
    details = exif.get_ifd(ExifTags.IFD.Exif)
    taken_at = None
    if details.get(ExifTags.Base.DateTimeOriginal):
        taken_at = _exif_datetime(
            details[ExifTags.Base.DateTimeOriginal],
            details.get(ExifTags.Base.OffsetTimeOriginal),
            default_tz,
        )
    elif exif.get(ExifTags.Base.DateTime):
        taken_at = _exif_datetime(
            exif[ExifTags.Base.DateTime], details.get(ExifTags.Base.OffsetTime), default_tz
        )
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if (
        latitude is None
        or longitude is None
        or not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
        or (latitude == 0 and longitude == 0)  # "no fix" on some phones
    ):
        latitude = longitude = None
    return taken_at, latitude, longitude


def _draft_box(width: int, height: int) -> tuple[int, int]:
    """The size JPEG draft() decodes at least to: a 4000 x 3000 photo decodes at 1/4 scale
    (1000 x 750, the thumbnail itself) instead of 1/2 and a resize, for a third of the work."""
    scale = THUMBNAIL_MIN_LONG_SIDE / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(image: Image.Image) -> Image.Image:
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        has_alpha = "A" in image.mode or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    scale = THUMBNAIL_LONG_SIDE / max(image.size)
    if scale >= 1:
        return image.copy()
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparent areas become white."""
    if "A" in image.mode:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def inspect_and_thumbnail(
    original: Path, thumbnail: Path, default_tz: timezone, display: Path | None = None
) -> ImageFacts:
    """Check the upload is a whole, reasonably sized image; write its thumbnail (upright,
    long side <= 1024 px, JPEG without EXIF) to `thumbnail`, and for HEIC/HEIF, which most
    browsers cannot show, a full-size JPEG rendition to `display`."""
    fmt = sniff_format(original)
    if fmt is None:
        raise UnsupportedMediaType("Not a JPEG, PNG, WebP or HEIC/HEIF image")
    content_type, extension = FORMATS[fmt]
    try:
        with Image.open(original, formats=[fmt]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise Invalid(
                    f"Image of {width}x{height} pixels is larger than the "
                    f"{MAX_PIXELS // 1_000_000} megapixels allowed"
                )
            exif = image.getexif()
            orientation = exif.get(ExifTags.Base.Orientation, 1)
            taken_at, latitude, longitude = read_exif(exif, default_tz)
            icc_profile = image.info.get("icc_profile")
            if fmt == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale straight from the DCT: a fraction of the work.
                image.draft("RGB", _draft_box(width, height))
            image.load()
            small = _flatten(_shrink(image))
            if orientation in _UPRIGHT:
                small = small.transpose(_UPRIGHT[orientation])
            small.save(thumbnail, "JPEG", quality=THUMBNAIL_QUALITY, icc_profile=icc_profile)
            has_display = FORMATS[fmt][0] in HAS_DISPLAY_TYPES and display is not None
            if has_display:  # libheif has already turned it upright
                _flatten(image).save(
                    display, "JPEG", quality=DISPLAY_QUALITY, icc_profile=icc_profile
                )
    except FrotaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Invalid(
            f"Image refused: more than the {MAX_PIXELS // 1_000_000} megapixels allowed ({exc})"
        ) from exc
    except Exception as exc:  # Pillow and libheif raise OSError, SyntaxError, ValueError, ...
        raise Invalid(f"The {fmt} image is truncated or corrupt ({exc}); send it again") from exc
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return ImageFacts(
        format=fmt,
        content_type=content_type,
        extension=extension,
        width=width,
        height=height,
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
        has_display=has_display,
    )
