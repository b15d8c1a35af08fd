"""Org over HTTP: the city-pack upload, areas and units (admins write; the desk may read)."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile

from api.auth.deps import AdminUser, Principal, require_roles
from api.db import SessionDep
from api.errors import BadRequest
from api.org import service
from api.org.citypack import MAX_FILE_BYTES, PACK_FILES, CityPackInvalid
from api.org.citypack_import import import_city_pack
from api.org.paging import DEFAULT_PAGE, MAX_PAGE
from api.org.schemas import (
    AreaCreate,
    AreaPublic,
    AreasPage,
    AreaUpdate,
    CityPackSummary,
    Level,
    UnitCreate,
    UnitPublic,
    UnitsPage,
    UnitUpdate,
)

router = APIRouter(tags=["org"])
Reader = Annotated[Principal, Depends(require_roles("dispatcher", "supervisor"))]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"page size (at most {MAX_PAGE})")]


@router.post("/admin/city-pack", operation_id="importCityPack", response_model=CityPackSummary)
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


# -- areas ----------------------------------------------------------------------------------------


@router.get("/areas", operation_id="listAreas", response_model=AreasPage)
async def list_areas(session: SessionDep, _: Reader, level: Level | None = None,
                     parent: Annotated[str | None, Query(max_length=32)] = None,
                     q: Annotated[str | None, Query(max_length=60)] = None,
                     geometry: bool = True, cursor: str | None = None, limit: Limit = DEFAULT_PAGE) -> AreasPage:
    return await service.list_areas(session=session, level=level, parent=parent, q=q, with_geometry=geometry,
                                    cursor=cursor, limit=limit)


@router.get("/areas/{code}", operation_id="getArea", response_model=AreaPublic)
async def get_area(code: str, session: SessionDep, _: Reader) -> AreaPublic:
    area = await service.get_area(session=session, code=code)
    return (await service.area_public(session, [area]))[0]


@router.post("/areas", operation_id="createArea", response_model=AreaPublic, status_code=201)
async def create_area(data: AreaCreate, session: SessionDep, _: AdminUser) -> AreaPublic:
    area = await service.create_area(session=session, data=data)
    return (await service.area_public(session, [area]))[0]


@router.patch("/areas/{code}", operation_id="updateArea", response_model=AreaPublic)
async def update_area(code: str, data: AreaUpdate, session: SessionDep, _: AdminUser) -> AreaPublic:
    area = await service.get_area(session=session, code=code)
    area = await service.update_area(session=session, area=area, data=data)
    return (await service.area_public(session, [area]))[0]


# -- units ----------------------------------------------------------------------------------------


@router.get("/units", operation_id="listUnits", response_model=UnitsPage)
async def list_units(session: SessionDep, _: Reader,
                     dept_type: Annotated[str | None, Query(max_length=40)] = None,
                     area: Annotated[str | None, Query(max_length=32, description="units whose jurisdiction "
                                                                                  "names this area")] = None,
                     q: Annotated[str | None, Query(max_length=60)] = None, active: bool | None = None,
                     cursor: str | None = None, limit: Limit = DEFAULT_PAGE) -> UnitsPage:
    return await service.list_units(session=session, dept_type=dept_type, area=area, q=q, active=active,
                                    cursor=cursor, limit=limit)


@router.get("/units/{code}", operation_id="getUnit", response_model=UnitPublic)
async def get_unit(code: str, session: SessionDep, _: Reader) -> UnitPublic:
    unit = await service.get_unit(session=session, code=code)
    return (await service.unit_public(session, [unit]))[0]


@router.post("/units", operation_id="createUnit", response_model=UnitPublic, status_code=201)
async def create_unit(data: UnitCreate, session: SessionDep, _: AdminUser) -> UnitPublic:
    unit = await service.create_unit(session=session, data=data)
    return (await service.unit_public(session, [unit]))[0]


@router.patch("/units/{code}", operation_id="updateUnit", response_model=UnitPublic)
async def update_unit(code: str, data: UnitUpdate, session: SessionDep, _: AdminUser) -> UnitPublic:
    unit = await service.get_unit(session=session, code=code)
    unit = await service.update_unit(session=session, unit=unit, data=data)
    return (await service.unit_public(session, [unit]))[0]
