"""Test photos built with Pillow: plain (no metadata), with EXIF, truncated, pixel bombs."""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jpeg(width: int = 64, height: int = 48, *, seed: int = 0, quality: int = 85, exif: Image.Exif | None = None,
         noise: bool = False) -> bytes:
    """A JPEG with no metadata segments unless `exif` is given (Pillow writes only JFIF)."""
    rnd = random.Random(seed)
    img = Image.new("RGB", (width, height), (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    if noise:
        img = Image.frombytes("RGB", (width, height), rnd.randbytes(width * height * 3))
    else:
        # A left-half marker makes orientation visible.
        img.paste((255, 0, 0), (0, 0, width // 2, height // 4))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, **({"exif": exif.tobytes()} if exif is not None else {}))
    return out.getvalue()


def png(width: int = 40, height: int = 30, *, colour=(0, 128, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, "GIF")
    return out.getvalue()


def bomb_png(width: int = 10_000, height: int = 10_000) -> bytes:
    """100 megapixels of one colour: a few kilobytes on disk."""
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, "PNG", optimize=True)
    return out.getvalue()


def gps_exif(*, lat: float, lon: float, taken: str = "2026:11:20 09:30:00", orientation: int | None = None
             ) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    exif[0x010F] = "TestPhone"  # Make: must be gone after stripping
    exif.get_ifd(0x8769)[0x9003] = taken

    def dms(value: float):
        d = int(value)
        m = int((value - d) * 60)
        s = round(((value - d) * 60 - m) * 60, 4)
        from fractions import Fraction

        return (Fraction(d), Fraction(m), Fraction(s).limit_denominator(10000))

    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = ("N" if lat >= 0 else "S"), dms(abs(lat))
    gps[3], gps[4] = ("E" if lon >= 0 else "W"), dms(abs(lon))
    return exif
