"""Request and response models of the org package."""

from __future__ import annotations

from pydantic import BaseModel


class ImportCounts(BaseModel):
    created: int
    updated: int
    unchanged: int


class CityPackSummary(BaseModel):
    areas: ImportCounts
    units: ImportCounts
    roads: ImportCounts
    rules: ImportCounts
    users: ImportCounts
