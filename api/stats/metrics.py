"""The DOMAIN §4 metrics as plain arithmetic: counts → rates → 100-point score → grade.

Everything here is pure (no database), so the published figures and the grade boundaries are
tested directly. `repository.py` produces the counts; see docs/metrics.md for which tickets
each count takes in a period.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal

# (field, 中文) in the order the monthly 通报 prints them.
COUNT_LABELS: tuple[tuple[str, str], ...] = (
    ("reported", "上报数"),
    ("valid_reported", "有效上报数"),
    ("filed", "立案数"),
    ("to_dispatch", "应派遣数"),
    ("returned", "回退数"),
    ("to_handle", "应处置数"),
    ("handled", "处置数"),
    ("handled_on_time", "按期处置数"),
    ("overdue_unhandled", "超期未处置数"),
    ("extended", "延期数"),
    ("to_recheck", "应核查数"),
    ("rechecked_on_time", "按时核查数"),
    ("to_close", "应结案数"),
    ("closed", "结案数"),
    ("closed_on_time", "按期结案数"),
    ("reworked", "返工数"),
    ("self_handled", "自行处置数"),
)

# rate → (numerator, denominator, 中文); "dispatch_accuracy" is (应派遣数 − 回退数) / 应派遣数.
RATE_LABELS: tuple[tuple[str, str], ...] = (
    ("close_rate", "结案率"),
    ("on_time_close_rate", "按期结案率"),
    ("on_time_handle_rate", "按期处置率"),
    ("rework_rate", "返工率"),
    ("overdue_rate", "超期未处置率"),
    ("extension_rate", "延期率"),
    ("valid_report_rate", "有效上报率"),
    ("on_time_recheck_rate", "按时核查率"),
    ("dispatch_accuracy", "准确派遣率"),
)

GRADES: tuple[tuple[float, str], ...] = ((90, "A"), (75, "B"), (60, "C"), (40, "D"))

# Peer groups for published rankings (DOMAIN §4): government departments, street offices
# (with their communities), enterprises. Unknown dept types rank among "other".
PEER_GROUPS: dict[str, tuple[str, frozenset[str]]] = {
    "city_department": ("市直部门", frozenset({
        "traffic_police", "city_management", "sanitation", "municipal", "landscaping", "market_regulation",
        "housing_construction", "civilization_office", "fire_rescue", "civil_affairs", "ecology", "water"})),
    "street_office": ("街道（社区）", frozenset({"street_office", "community"})),
    "enterprise": ("企业", frozenset({"bike_operator", "property_company", "owner"})),
}
OTHER_GROUP = ("other", "其他")
PEER_GROUP_ORDER = ("city_department", "street_office", "enterprise", "other")


def peer_group(dept_type: str) -> str:
    for key, (_label, types) in PEER_GROUPS.items():
        if dept_type in types:
            return key
    return OTHER_GROUP[0]


def peer_group_label(key: str) -> str:
    return PEER_GROUPS[key][0] if key in PEER_GROUPS else OTHER_GROUP[1]


@dataclass
class Counts:
    reported: int = 0
    valid_reported: int = 0
    filed: int = 0
    to_dispatch: int = 0
    returned: int = 0
    to_handle: int = 0
    handled: int = 0
    handled_on_time: int = 0
    overdue_unhandled: int = 0
    extended: int = 0
    to_recheck: int = 0
    rechecked_on_time: int = 0
    to_close: int = 0
    closed: int = 0
    closed_on_time: int = 0
    reworked: int = 0
    self_handled: int = 0
    # Not a period count: the unit's open, past-due tickets right now (遗留超期未处置案件).
    overdue_backlog: int = 0
    by_source: dict[str, int] = field(default_factory=dict)

    def add(self, other: Counts) -> Counts:
        for f in fields(self):
            if f.name == "by_source":
                for k, v in other.by_source.items():
                    self.by_source[k] = self.by_source.get(k, 0) + v
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def as_dict(self) -> dict[str, int | dict[str, int]]:
        return asdict(self)


def _ratio(num: int, den: int) -> float | None:
    return None if den <= 0 else num / den


def fractions(c: Counts) -> dict[str, float | None]:
    """Unrounded rates in [0, 1]; None when the denominator is zero (nothing to measure)."""
    return {
        "close_rate": _ratio(c.closed, c.to_close),
        "on_time_close_rate": _ratio(c.closed_on_time, c.to_close),
        "on_time_handle_rate": _ratio(c.handled_on_time, c.to_handle),
        "rework_rate": _ratio(c.reworked, c.to_close),
        "overdue_rate": _ratio(c.overdue_unhandled, c.to_handle),
        "extension_rate": _ratio(c.extended, c.to_handle),
        "valid_report_rate": _ratio(c.valid_reported, c.reported),
        "on_time_recheck_rate": _ratio(c.rechecked_on_time, c.to_recheck),
        "dispatch_accuracy": _ratio(c.to_dispatch - c.returned, c.to_dispatch),
    }


def pct(value: float | None) -> float | None:
    """A fraction as a percentage rounded half-up to 2 decimals (911/972 → 93.72)."""
    if value is None:
        return None
    return float((Decimal(repr(value)) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rates(c: Counts) -> dict[str, float | None]:
    return {k: pct(v) for k, v in fractions(c).items()}


@dataclass(frozen=True)
class ScoreWeights:
    """按期处置率×30 + 按期结案率×20 + (1−返工率)×20 + (1−超期未处置率)×20 + (1−延期率)×10."""

    on_time_handle: float = 30
    on_time_close: float = 20
    no_rework: float = 20
    no_overdue: float = 20
    no_extension: float = 10

    @property
    def total(self) -> float:
        return self.on_time_handle + self.on_time_close + self.no_rework + self.no_overdue + self.no_extension


def _weights_from_env() -> ScoreWeights:
    # STATS_SCORE_WEIGHTS='{"on_time_handle": 40, "no_extension": 0}' (a city's own formula).
    raw = os.environ.get("STATS_SCORE_WEIGHTS")
    return ScoreWeights(**json.loads(raw)) if raw else ScoreWeights()


_weights = _weights_from_env()


def score_weights() -> ScoreWeights:
    return _weights


def configure_score_weights(weights: ScoreWeights | None = None) -> ScoreWeights:
    global _weights
    _weights = weights or _weights_from_env()
    return _weights


def score(c: Counts, weights: ScoreWeights | None = None) -> float | None:
    """The 100-point score, rounded to 2 decimals; None when the unit had nothing due."""
    w = weights or _weights
    f = fractions(c)
    if c.to_close <= 0 or c.to_handle <= 0:
        return None
    raw = (w.on_time_handle * f["on_time_handle_rate"] + w.on_time_close * f["on_time_close_rate"]
           + w.no_rework * (1 - f["rework_rate"]) + w.no_overdue * (1 - f["overdue_rate"])
           + w.no_extension * (1 - f["extension_rate"]))
    return float(Decimal(repr(raw)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def grade(value: float | None) -> str | None:
    """A ≥ 90, B 75–90, C 60–75, D 40–60, E < 40 (lower bounds inclusive)."""
    if value is None:
        return None
    for floor, letter in GRADES:
        if value >= floor:
            return letter
    return "E"


def rank(scores: list[float | None]) -> list[int | None]:
    """Competition ranking (1, 2, 2, 4) by score, highest first; no score → no rank."""
    ranked = sorted((s for s in scores if s is not None), reverse=True)
    first = {}
    for i, s in enumerate(ranked, start=1):
        first.setdefault(s, i)
    return [None if s is None else first[s] for s in scores]
