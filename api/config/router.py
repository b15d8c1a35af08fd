"""Public client configuration: what the PWA needs to know before anyone signs in."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

router = APIRouter(tags=["config"])


class MapConfig(BaseModel):
    # none: grid polygons only (works offline, no third party);
    # tianditu: WGS-84 tiles, needs a browser key; gcj02: a GCJ-02 URL template (Amap/Tencent),
    # coordinates converted for display only.
    provider: Literal["none", "tianditu", "gcj02"]
    url_template: str | None = None
    tianditu_key: str | None = None
    attribution: str = ""


class ClientConfig(BaseModel):
    api_version: str = "v1"
    public_base_url: str
    timezone: str = "Asia/Shanghai"
    duplicate_radius_m: float
    max_media_bytes: int
    map: MapConfig


def map_config(map_tiles: str, tianditu_key: str | None) -> MapConfig:
    if map_tiles == "none" or not map_tiles:
        return MapConfig(provider="none")
    if map_tiles == "tianditu":
        if not tianditu_key:
            return MapConfig(provider="none")
        return MapConfig(provider="tianditu", tianditu_key=tianditu_key,
                         url_template="https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                                      "&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                                      "&TILECOL={x}&TILEROW={y}&TILEMATRIX={z}&tk=" + tianditu_key,
                         attribution="天地图")
    return MapConfig(provider="gcj02", url_template=map_tiles)


@router.get("/config", response_model=ClientConfig, operation_id="client_config")
async def client_config(request: Request) -> ClientConfig:
    s = request.app.state.settings
    return ClientConfig(public_base_url=s.public_base_url, duplicate_radius_m=s.duplicate_radius_m,
                        max_media_bytes=s.max_media_bytes, map=map_config(s.map_tiles, s.tianditu_key))
