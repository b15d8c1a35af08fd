"""Org admin over HTTP: the city-pack upload, areas, units, road segments."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from api.auth.deps import AdminUser
from api.db import SessionDep
from api.errors import BadRequest
from api.org.citypack import MAX_FILE_BYTES, PACK_FILES, CityPackInvalid
from api.org.citypack_import import import_city_pack
from api.org.schemas import CityPackSummary

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/city-pack", operation_id="importCityPack", response_model=CityPackSummary)
async def upload_city_pack(
    session: SessionDep, _: AdminUser,
    files: Annotated[list[UploadFile], File(description="the pack's files, or one .zip holding them")],
) -> CityPackSummary:
    contents: dict[str, bytes] = {}
    for upload in files:
        name = PurePosixPath(upload.filename or "").name
        data = await upload.read(MAX_FILE_BYTES + 1)
        if name.lower().endswith(".zip"):
            contents.update(_unzip(name, data))
        else:
            contents[name] = data
    summary = await import_city_pack(session, contents)
    return CityPackSummary(**summary)


def _unzip(name: str, data: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CityPackInvalid([{"file": name, "message": "not a valid zip archive"}]) from exc
    out: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            base = PurePosixPath(info.filename).name
            if info.is_dir() or base not in PACK_FILES:
                continue  # folders, __MACOSX and readme files are not part of the pack
            if info.file_size > MAX_FILE_BYTES:
                raise BadRequest(f"{base} in {name} is larger than {MAX_FILE_BYTES} bytes", code="citypack_too_large")
            out[base] = archive.read(info)
    return out
