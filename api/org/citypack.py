"""City pack (DESIGN §7): parse and validate a whole pack before anything is written.

`parse_pack(files)` checks each file on its own (JSON, GeoJSON, shapes, fields) and
`check_references(pack, known)` checks every code a record names against the pack itself plus
what the database already holds. Both collect every problem; `CityPackInvalid` carries them all,
each naming the file, the record (index and code) and the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity

from api.errors import AppError
from models.org import AREA_LEVELS
from models.users import ROLES

PACK_FILES = ("areas.geojson", "roads.geojson", "units.json", "rules.json", "users.json", "calendar.json")
MAX_FILE_BYTES = 50 * 1024 * 1024

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$")
_DEPT = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_CATEGORY = re.compile(r"^\d{2}(\d{3})?$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class CityPackInvalid(AppError):
    status_code, code = 422, "citypack_invalid"

    def __init__(self, problems: list[dict[str, Any]]):
        super().__init__(f"the city pack was refused: {len(problems)} problem(s); nothing was written",
                         details={"problems": problems})


@dataclass
class CityPack:
    areas: list[dict[str, Any]] = field(default_factory=list)  # code, name, level, parent, geometry
    roads: list[dict[str, Any]] = field(default_factory=list)  # code, name, buffer_m, unit, categories, geometry
    units: list[dict[str, Any]] = field(default_factory=list)  # code, name, dept_type, jurisdiction, parent, calendar
    rules: list[dict[str, Any]] = field(default_factory=list)  # category, area, unit, priority
    users: list[dict[str, Any]] | None = None  # username, name, password, roles, unit, grids
    calendar: dict[str, Any] = field(default_factory=dict)  # the city's default unit calendar
    # Codes of records refused on their own: references to them are not reported twice.
    refused: set[str] = field(default_factory=set)


@dataclass
class Known:
    """Codes the database already holds (a pack may refer to them without repeating them)."""

    areas: dict[str, str] = field(default_factory=dict)  # code -> level
    units: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)  # 5-digit codes and 2-digit groups
    phones: dict[str, str] = field(default_factory=dict)  # phone -> username


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.pack: CityPack | None = None

    def add(self, file: str, message: str, *, index: int | None = None, code: str | None = None,
            field: str | None = None) -> None:
        item: dict[str, Any] = {"file": file}
        if index is not None:
            item["index"] = index
        if code is not None:
            item["code"] = code
        if field is not None:
            item["field"] = field
        item["message"] = message
        self.items.append(item)


def read_dir(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        raise CityPackInvalid([{"file": str(folder), "message": "not a folder"}])
    return {name: (folder / name).read_bytes() for name in PACK_FILES if (folder / name).is_file()}


def parse_pack(files: dict[str, bytes], known: Known | None = None) -> CityPack:
    """Parse every file; with `known`, also check every reference. Raises with all problems."""
    p = _Problems()
    unknown = sorted(set(files) - set(PACK_FILES))
    for name in unknown:
        p.add(name, f"unknown file; a city pack holds {', '.join(PACK_FILES)}")
    if not set(files) & set(PACK_FILES):
        p.add("(pack)", "the pack holds none of the expected files")
    pack = CityPack()
    p.pack = pack
    docs = {name: _load_json(name, data, p) for name, data in files.items() if name in PACK_FILES}
    if "calendar.json" in docs and docs["calendar.json"] is not None:
        pack.calendar = _calendar(docs["calendar.json"], p, "calendar.json", None, None, "") or {}
    if docs.get("areas.geojson") is not None:
        pack.areas = _features(docs["areas.geojson"], p, "areas.geojson", _area)
    if docs.get("roads.geojson") is not None:
        pack.roads = _features(docs["roads.geojson"], p, "roads.geojson", _road)
    if docs.get("units.json") is not None:
        pack.units = _records(docs["units.json"], p, "units.json", _unit)
    if docs.get("rules.json") is not None:
        pack.rules = _records(docs["rules.json"], p, "rules.json", _rule)
    if docs.get("users.json") is not None:
        pack.users = _records(docs["users.json"], p, "users.json", _user)
    for name, items, key in (("areas.geojson", pack.areas, "code"), ("roads.geojson", pack.roads, "code"),
                             ("units.json", pack.units, "code"), ("users.json", pack.users or [], "username")):
        seen: set[str] = set()
        for item in items:
            if item[key] in seen:
                p.add(name, f"duplicate {key} {item[key]!r}", index=item["_index"], code=item[key], field=key)
            seen.add(item[key])
    if known is not None:
        _check_references(pack, known, p)
    if p.items:
        raise CityPackInvalid(p.items)
    return pack


def check_references(pack: CityPack, known: Known) -> None:
    p = _Problems()
    _check_references(pack, known, p)
    if p.items:
        raise CityPackInvalid(p.items)


def _check_references(pack: CityPack, known: Known, p: _Problems) -> None:
    levels = dict(known.areas) | {a["code"]: a["level"] for a in pack.areas}
    units = known.units | {u["code"] for u in pack.units} | pack.refused
    # A refused area counts as known (its own problem is reported already); its level is unknown.
    levels |= {code: "?" for code in pack.refused if code not in levels}
    for a in pack.areas:
        want = AREA_LEVELS.index(a["level"]) - 1
        if a["parent"] is None:
            if want >= 0:
                p.add("areas.geojson", f"a {a['level']} needs a parent {AREA_LEVELS[want]}",
                      index=a["_index"], code=a["code"], field="parent")
        elif a["parent"] not in levels:
            p.add("areas.geojson", f"unknown parent area {a['parent']!r}", index=a["_index"], code=a["code"],
                  field="parent")
        elif levels[a["parent"]] != "?" and (want < 0 or levels[a["parent"]] != AREA_LEVELS[want]):
            p.add("areas.geojson", f"parent {a['parent']!r} is a {levels[a['parent']]}; a {a['level']}'s parent "
                  f"must be a {AREA_LEVELS[want] if want >= 0 else 'nothing (null)'}",
                  index=a["_index"], code=a["code"], field="parent")
    for r in pack.roads:
        if r["unit"] not in units:
            p.add("roads.geojson", f"unknown unit {r['unit']!r}", index=r["_index"], code=r["code"], field="unit")
        for c in r["categories"]:
            if c not in known.categories:
                p.add("roads.geojson", f"unknown category or group {c!r}", index=r["_index"], code=r["code"],
                      field="categories")
    for u in pack.units:
        for code in u["jurisdiction"]:
            if code not in levels:
                p.add("units.json", f"jurisdiction names unknown area {code!r}", index=u["_index"], code=u["code"],
                      field="jurisdiction")
        if u["parent"] is not None and u["parent"] not in units:
            p.add("units.json", f"unknown parent unit {u['parent']!r}", index=u["_index"], code=u["code"],
                  field="parent")
    for r in pack.rules:
        where = {"index": r["_index"], "code": r["category"]}
        if r["category"] not in known.categories:
            p.add("rules.json", f"unknown category or group {r['category']!r}", field="category", **where)
        if r["area"] is not None and r["area"] not in levels:
            p.add("rules.json", f"unknown area {r['area']!r}", field="area", **where)
        if r["unit"] not in units:
            p.add("rules.json", f"unknown unit {r['unit']!r}", field="unit", **where)
    phones = dict(known.phones)
    for u in pack.users or []:
        where = {"index": u["_index"], "code": u["username"]}
        if u["phone"] is not None:
            owner = phones.setdefault(u["phone"], u["username"])
            if owner != u["username"]:
                p.add("users.json", f"phone {u['phone']} belongs to {owner}", field="phone", **where)
        if u["unit"] is not None and u["unit"] not in units:
            p.add("users.json", f"unknown unit {u['unit']!r}", field="unit", **where)
        for g in u["grids"]:
            if g not in levels:
                p.add("users.json", f"unknown grid {g!r}", field="grids", **where)
            elif levels[g] not in ("grid", "?"):
                p.add("users.json", f"{g!r} is a {levels[g]}, not a grid", field="grids", **where)


# -- file level ---------------------------------------------------------------------------------


def _load_json(name: str, data: bytes, p: _Problems) -> Any:
    if len(data) > MAX_FILE_BYTES:
        p.add(name, f"file larger than {MAX_FILE_BYTES} bytes")
        return None
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        p.add(name, "not UTF-8 text")
    except json.JSONDecodeError as exc:
        p.add(name, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    return None


def _features(doc: Any, p: _Problems, name: str, parse) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        p.add(name, "expected a GeoJSON FeatureCollection with a 'features' list", field="type")
        return []
    out = []
    for i, feat in enumerate(doc["features"]):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            p.add(name, "expected a GeoJSON Feature", index=i, field="type")
            continue
        props = feat.get("properties")
        if not isinstance(props, dict):
            p.add(name, "a Feature needs a 'properties' object", index=i, field="properties")
            continue
        item = parse(props, feat.get("geometry"), p, name, i)
        if item is not None:
            item["_index"] = i
            out.append(item)
    return out


def _records(doc: Any, p: _Problems, name: str, parse) -> list[dict[str, Any]]:
    if not isinstance(doc, list):
        p.add(name, "expected a JSON list of records")
        return []
    out = []
    for i, rec in enumerate(doc):
        if not isinstance(rec, dict):
            p.add(name, "expected an object", index=i)
            continue
        item = parse(rec, p, name, i)
        if item is not None:
            item["_index"] = i
            out.append(item)
        elif p.pack is not None and isinstance(rec.get("code"), str):
            p.pack.refused.add(rec["code"])
    return out


# -- record level -------------------------------------------------------------------------------


class _Rec:
    """Reads one record's fields, reporting each problem with the record's index and code."""

    def __init__(self, rec: dict[str, Any], p: _Problems, file: str, index: int, key: str = "code"):
        self.rec, self.p, self.file, self.index = rec, p, file, index
        self.code = rec.get(key) if isinstance(rec.get(key), str) else None
        self.ok = True

    def bad(self, fld: str, message: str) -> None:
        self.ok = False
        if self.code and self.p.pack is not None:
            self.p.pack.refused.add(self.code)
        self.p.add(self.file, message, index=self.index, code=self.code, field=fld)

    def only(self, allowed: set[str]) -> None:
        for extra in sorted(set(self.rec) - allowed):
            self.bad(extra, f"unknown field {extra!r}")

    def text(self, fld: str, max_len: int, *, required: bool = True, pattern: re.Pattern | None = None) -> Any:
        value = self.rec.get(fld)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.bad(fld, "required text" if value is None else "must be non-empty text")
            return None
        value = value.strip()
        if len(value) > max_len:
            self.bad(fld, f"longer than {max_len} characters")
        elif pattern is not None and not pattern.match(value):
            self.bad(fld, f"{value!r} is not a valid value")
        return value

    def codes(self, fld: str, pattern: re.Pattern, *, required: bool = False) -> list[str]:
        value = self.rec.get(fld, None if required else [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(v, str) and pattern.match(v) for v in value):
            self.bad(fld, "must be a list of codes")
            return []
        return list(dict.fromkeys(value))


def check_geometry(geometry: Any, kinds: tuple[str, ...]) -> tuple[dict[str, Any] | None, str | None]:
    """(the GeoJSON geometry, None) when valid WGS-84 of one of `kinds`, else (None, why)."""
    if not isinstance(geometry, dict) or geometry.get("type") not in kinds:
        return None, f"geometry must be one of {', '.join(kinds)}"
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        return None, f"malformed coordinates: {exc}"
    if geom.is_empty:
        return None, "empty geometry"
    if not geom.is_valid:
        return None, f"invalid geometry: {explain_validity(geom)}"
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return None, "coordinates are not WGS-84 longitude/latitude"
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}, None


def _geometry(r: _Rec, geometry: Any, kinds: tuple[str, ...]) -> dict[str, Any] | None:
    geom, problem = check_geometry(geometry, kinds)
    if problem:
        r.bad("geometry", problem)
    return geom


def _area(props, geometry, p, name, i):
    r = _Rec(props, p, name, i)
    item = {"code": r.text("code", 32, pattern=_CODE), "name": r.text("name", 120),
            "level": r.text("level", 16), "parent": r.text("parent", 32, required=False)}
    if item["level"] is not None and item["level"] not in AREA_LEVELS:
        r.bad("level", f"level must be one of {', '.join(AREA_LEVELS)}")
    item["geometry"] = _geometry(r, geometry, ("Polygon", "MultiPolygon"))
    return item if r.ok else None


def _road(props, geometry, p, name, i):
    r = _Rec(props, p, name, i)
    item = {"code": r.text("code", 32, pattern=_CODE), "name": r.text("name", 120),
            "unit": r.text("unit", 32), "categories": r.codes("categories", _CATEGORY)}
    buffer_m = props.get("buffer_m", 20.0)
    if isinstance(buffer_m, bool) or not isinstance(buffer_m, int | float) or not 0 < buffer_m <= 1000:
        r.bad("buffer_m", "buffer_m must be a number of metres in (0, 1000]")
    item["buffer_m"] = buffer_m
    item["geometry"] = _geometry(r, geometry, ("LineString", "MultiLineString"))
    return item if r.ok else None


def _unit(rec, p, name, i):
    r = _Rec(rec, p, name, i)
    r.only({"code", "name", "dept_type", "jurisdiction", "parent", "calendar", "active"})
    item = {"code": r.text("code", 32, pattern=_CODE), "name": r.text("name", 120),
            "dept_type": r.text("dept_type", 40, pattern=_DEPT), "jurisdiction": r.codes("jurisdiction", _CODE),
            "parent": r.text("parent", 32, required=False), "calendar": None,
            "active": rec.get("active", True)}
    if not isinstance(item["active"], bool):
        r.bad("active", "must be true or false")
    if "calendar" in rec and rec["calendar"] is not None:
        cal = _calendar(rec["calendar"], p, name, i, item["code"], "calendar.")
        if cal is None:
            r.ok = False
        item["calendar"] = cal
    return item if r.ok else None


def _rule(rec, p, name, i):
    r = _Rec(rec, p, name, i, key="category")
    r.only({"category", "area", "unit", "priority", "active"})
    item = {"category": r.text("category", 5, pattern=_CATEGORY), "area": r.text("area", 32, required=False),
            "unit": r.text("unit", 32), "priority": rec.get("priority", 0), "active": rec.get("active", True)}
    if isinstance(item["priority"], bool) or not isinstance(item["priority"], int):
        r.bad("priority", "must be an integer")
    if not isinstance(item["active"], bool):
        r.bad("active", "must be true or false")
    return item if r.ok else None


def _user(rec, p, name, i):
    r = _Rec(rec, p, name, i, key="username")
    r.only({"username", "name", "password", "roles", "unit", "grids", "phone"})
    item = {"username": r.text("username", 64), "name": r.text("name", 80), "password": rec.get("password"),
            "roles": rec.get("roles"), "unit": r.text("unit", 32, required=False),
            "grids": r.codes("grids", _CODE), "phone": r.text("phone", 20, required=False)}
    if not isinstance(item["password"], str) or len(item["password"]) < 8:
        r.bad("password", "password must be text of at least 8 characters")
    roles = item["roles"]
    if not isinstance(roles, list) or not roles or not all(isinstance(x, str) for x in roles):
        r.bad("roles", "roles must be a non-empty list")
    else:
        for role in roles:
            if role not in ROLES:
                r.bad("roles", f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    if item["grids"] and isinstance(roles, list) and "grid_worker" not in roles:
        r.bad("grids", "only grid workers have grids")
    return item if r.ok else None


def validate_calendar(cal: Any) -> list[tuple[str, str]]:
    """(field, message) for each problem of a unit calendar dict; [] when it is fine."""
    if not isinstance(cal, dict):
        return [("", "a calendar must be an object")]
    out: list[tuple[str, str]] = []
    allowed = {"timezone", "work_hours", "workdays", "holidays", "extra_workdays", "always"}
    out += [(k, f"unknown field {k!r}") for k in sorted(set(cal) - allowed)]
    if "timezone" in cal and cal["timezone"] != "Asia/Shanghai":
        out.append(("timezone", "only Asia/Shanghai is supported"))
    if "always" in cal and not isinstance(cal["always"], bool):
        out.append(("always", "must be true or false"))
    if "work_hours" in cal:
        wh = cal["work_hours"]
        if not isinstance(wh, list) or not all(
                isinstance(w, list) and len(w) == 2 and all(isinstance(t, str) and _CLOCK.match(t) for t in w)
                and w[0] < w[1] for w in wh):
            out.append(("work_hours", 'must be a list of ["HH:MM", "HH:MM"] windows, start before end'))
    if "workdays" in cal:
        wd = cal["workdays"]
        if not isinstance(wd, list) or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6
                                               for d in wd):
            out.append(("workdays", "must be a list of weekday numbers 0 (Monday) … 6 (Sunday)"))
    for key in ("holidays", "extra_workdays"):
        if key in cal:
            days = cal[key]
            if not isinstance(days, list) or not all(isinstance(d, str) and _is_date(d) for d in days):
                out.append((key, "must be a list of YYYY-MM-DD dates"))
    return out


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
        return len(value) == 10
    except ValueError:
        return False


def _calendar(cal, p: _Problems, file: str, index, code, prefix: str) -> dict[str, Any] | None:
    problems = validate_calendar(cal)
    for fld, message in problems:
        p.add(file, message, index=index, code=code, field=(prefix + fld).rstrip("."))
    return None if problems else dict(cal)
