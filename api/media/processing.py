"""Image checks and transforms, pure and synchronous (callers run them in a worker thread).

The name of a photo is the sha256 of the bytes the phone sent; what we store and serve is the
processed image: orientation applied, every metadata block (EXIF, XMP, IPTC, comments, text
chunks) removed. Colour information (ICC profile, Adobe colour transform) is kept because it
changes how the pixels look. When the orientation is already upright, JPEG and PNG are stripped
losslessly by dropping segments/chunks, so a photo without metadata is stored byte-identical.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image, ImageOps

MAX_PIXELS = 40_000_000
THUMB_PX = 320
ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Pillow refuses above 2x this outright (DecompressionBombError); we refuse above 1x ourselves.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
ORIENTATION, DATETIME_ORIGINAL, DATETIME = 0x0112, 0x9003, 0x0132


class MediaRejected(Exception):
    def __init__(self, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details or {}


@dataclass
class Processed:
    content_type: str
    width: int
    height: int
    original: bytes
    thumb: bytes
    exif_lat: float | None
    exif_lon: float | None
    exif_taken_at: datetime | None


def process_image(data: bytes) -> Processed:
    try:
        img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise MediaRejected("media_too_many_pixels", "the image has too many pixels",
                            {"max_pixels": MAX_PIXELS}) from exc
    except Exception as exc:
        raise MediaRejected("media_not_an_image", "the body is not an image") from exc
    with img:
        if img.format not in ACCEPTED:
            raise MediaRejected("media_unsupported_type", "only JPEG, PNG and WebP photos are accepted",
                                {"format": img.format})
        width, height = img.size
        if width * height > MAX_PIXELS:
            raise MediaRejected("media_too_many_pixels", "the image has too many pixels",
                                {"width": width, "height": height, "max_pixels": MAX_PIXELS})
        exif = img.getexif()
        lat, lon = _gps(exif)
        taken_at = _taken_at(exif)
        orientation = exif.get(ORIENTATION, 1)
        fmt = img.format
        thumb = _thumbnail(img, orientation)

    if orientation in (None, 1) and fmt == "JPEG":
        original = strip_jpeg(data)
    elif orientation in (None, 1) and fmt == "PNG":
        original = strip_png(data)
    else:
        original, fmt = _reencode(data, fmt)
        with Image.open(io.BytesIO(original)) as again:
            width, height = again.size
    return Processed(content_type=ACCEPTED[fmt], width=width, height=height, original=original, thumb=thumb,
                     exif_lat=lat, exif_lon=lon, exif_taken_at=taken_at)


def _thumbnail(img: Image.Image, orientation: int) -> bytes:
    """Decoding the whole stream here is also the completeness check (a truncated file fails)."""
    width, height = img.size
    scale = min(THUMB_PX / width, THUMB_PX / height, 1.0)
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    if img.format == "JPEG":
        # DCT scaling: decode at 1/2, 1/4 or 1/8 size, the smallest still at least `target`.
        img.draft("RGB", target)
    try:
        img.load()
    except Image.DecompressionBombError as exc:
        raise MediaRejected("media_too_many_pixels", "the image has too many pixels") from exc
    except (OSError, SyntaxError, ValueError, zlib.error) as exc:
        raise MediaRejected("media_invalid_image", "the image is truncated or corrupt",
                            {"reason": str(exc)[:200]}) from exc
    small = img if img.mode in ("RGB", "L") else _flatten(img)
    if small.size != target:
        small = small.resize(target, Image.Resampling.BILINEAR,
                             reducing_gap=2.0 if small.width > 2 * target[0] else None)
    method = _TRANSPOSE.get(orientation)
    if method is not None:
        small = small.transpose(method)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=75)
    return out.getvalue()


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _flatten(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def _reencode(data: bytes, fmt: str) -> tuple[bytes, str]:
    """Orientation applied and metadata dropped: Pillow writes no EXIF unless asked to."""
    with Image.open(io.BytesIO(data)) as img:
        icc = img.info.get("icc_profile")
        upright = ImageOps.exif_transpose(img)
        out = io.BytesIO()
        if fmt == "JPEG":
            if upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            upright.save(out, "JPEG", quality=90, icc_profile=icc)
        elif fmt == "PNG":
            upright.save(out, "PNG", icc_profile=icc)
        else:
            upright.save(out, "WEBP", quality=90, icc_profile=icc)
    return out.getvalue(), fmt


# --- lossless stripping ------------------------------------------------------------------------

# JPEG: keep APP0 (JFIF), APP2 only for ICC_PROFILE, APP14 (Adobe colour transform); drop the rest.
def strip_jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise MediaRejected("media_invalid_image", "the JPEG has no start marker")
    out = bytearray(b"\xff\xd8")
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise MediaRejected("media_invalid_image", "the JPEG segment structure is corrupt")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[i:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += data[i:i + 2]
            i += 2
            continue
        if i + 4 > len(data):
            raise MediaRejected("media_invalid_image", "the JPEG is truncated")
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        segment = data[i:i + 2 + length]
        keep = not (0xE1 <= marker <= 0xEF or marker == 0xFE)
        if marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00":
            keep = True
        if marker == 0xEE:
            keep = True
        if keep:
            out += segment
        i += 2 + length
    raise MediaRejected("media_invalid_image", "the JPEG has no image data")


_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def strip_png(data: bytes) -> bytes:
    out = bytearray(_PNG_SIG)
    i = len(_PNG_SIG)
    while i + 8 <= len(data):
        (length,) = struct.unpack(">I", data[i:i + 4])
        kind = data[i + 4:i + 8]
        chunk = data[i:i + 12 + length]
        if kind not in _PNG_DROP:
            out += chunk
        i += 12 + length
        if kind == b"IEND":
            break
    return bytes(out)


# --- EXIF reading --------------------------------------------------------------------------------

def _gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    try:
        gps = exif.get_ifd(GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None, None
        lat = _dms(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _dms(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None, None
        return round(lat, 7), round(lon, 7)
    except Exception:  # a malformed GPS block is ignored, not fatal
        return None, None


def _dms(value) -> float:
    d, m, s = (float(x) for x in value)
    return d + m / 60 + s / 3600


def _taken_at(exif: Image.Exif) -> datetime | None:
    raw = None
    try:
        raw = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
        if not raw:
            return None
        # EXIF time has no zone; phones in China write Beijing time.
        naive = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        from zoneinfo import ZoneInfo

        return naive.replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    except Exception:
        return None
