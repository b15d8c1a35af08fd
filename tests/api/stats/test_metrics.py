"""Pure metric arithmetic: the published figures, score weights, grade boundaries, ranking."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.errors import ValidationFailed
from api.stats.metrics import (
    Counts,
    ScoreWeights,
    configure_score_weights,
    grade,
    peer_group,
    rank,
    rates,
    score,
)
from api.stats.period import month_period, parse_period


class TestPublishedFigures:
    def test_911_of_972_closed_737_on_time(self):
        c = Counts(to_close=972, closed=911, closed_on_time=737, to_handle=972)
        r = rates(c)
        assert r["close_rate"] == 93.72
        assert r["on_time_close_rate"] == 75.82

    def test_every_rate_formula(self):
        c = Counts(reported=200, valid_reported=180, to_dispatch=50, returned=5, to_handle=40, handled=38,
                   handled_on_time=30, overdue_unhandled=2, extended=4, to_recheck=20, rechecked_on_time=19,
                   to_close=40, closed=36, closed_on_time=28, reworked=3)
        assert rates(c) == {
            "close_rate": 90.0, "on_time_close_rate": 70.0, "on_time_handle_rate": 75.0, "rework_rate": 7.5,
            "overdue_rate": 5.0, "extension_rate": 10.0, "valid_report_rate": 90.0,
            "on_time_recheck_rate": 95.0, "dispatch_accuracy": 90.0,
        }

    def test_rounding_is_half_up_to_two_decimals(self):
        assert rates(Counts(to_close=8, closed=1))["close_rate"] == 12.5
        assert rates(Counts(to_close=3, closed=2))["close_rate"] == 66.67
        assert rates(Counts(to_close=6, closed=1))["close_rate"] == 16.67
        assert rates(Counts(to_close=200000, closed=1))["close_rate"] == 0.0  # 0.0005% → 0.00

    def test_nothing_due_means_no_rate(self):
        r = rates(Counts())
        assert all(v is None for v in r.values())


class TestScore:
    def test_formula(self):
        c = Counts(to_handle=100, to_close=100, handled_on_time=80, closed_on_time=70, reworked=10,
                   overdue_unhandled=5, extended=20)
        # 30×0.8 + 20×0.7 + 20×(1−0.1) + 20×(1−0.05) + 10×(1−0.2)
        assert score(c) == 83.0
        assert grade(score(c)) == "B"

    def test_perfect_and_worst(self):
        assert score(Counts(to_handle=5, to_close=5, handled_on_time=5, closed_on_time=5)) == 100.0
        worst = Counts(to_handle=5, to_close=5, reworked=5, overdue_unhandled=5, extended=5)
        assert score(worst) == 0.0 and grade(0.0) == "E"

    def test_no_score_without_due_tickets(self):
        assert score(Counts(reported=10)) is None and grade(None) is None

    def test_weights_are_configurable(self):
        c = Counts(to_handle=10, to_close=10, handled_on_time=10, closed_on_time=0)
        assert score(c) == 80.0
        assert score(c, ScoreWeights(on_time_handle=50, on_time_close=0, no_rework=20, no_overdue=20,
                                     no_extension=10)) == 100.0
        try:
            configure_score_weights(ScoreWeights(on_time_close=60, on_time_handle=0))
            assert score(c) == 50.0
        finally:
            configure_score_weights(None)
        assert score(c) == 80.0

    def test_weights_from_the_environment(self, monkeypatch):
        monkeypatch.setenv("STATS_SCORE_WEIGHTS", '{"no_extension": 0}')
        try:
            assert configure_score_weights(None).no_extension == 0
        finally:
            monkeypatch.delenv("STATS_SCORE_WEIGHTS")
            configure_score_weights(None)

    @pytest.mark.parametrize(("value", "letter"), [
        (100, "A"), (90, "A"), (89.99, "B"), (75, "B"), (74.99, "C"), (60, "C"), (59.99, "D"),
        (40, "D"), (39.99, "E"), (0, "E"),
    ])
    def test_grade_boundaries(self, value, letter):
        assert grade(value) == letter

    def test_a_score_just_at_ninety(self):
        # 30×1 + 20×0.5 + 20 + 20 + 10 = 90 exactly: an A; 499 of 1000 on time gives 89.98: a B.
        c = Counts(to_handle=10, to_close=10, handled_on_time=10, closed_on_time=5)
        assert score(c) == 90.0 and grade(score(c)) == "A"
        c = Counts(to_handle=1000, to_close=1000, handled_on_time=1000, closed_on_time=499)
        assert score(c) == 89.98 and grade(score(c)) == "B"


class TestRankingAndGroups:
    def test_competition_ranking(self):
        assert rank([80.0, 95.5, None, 80.0, 60.0]) == [2, 1, None, 2, 4]

    @pytest.mark.parametrize(("dept", "group"), [
        ("traffic_police", "city_department"), ("sanitation", "city_department"),
        ("street_office", "street_office"), ("community", "street_office"),
        ("bike_operator", "enterprise"), ("property_company", "enterprise"), ("owner", "enterprise"),
        ("something_local", "other"),
    ])
    def test_peer_groups(self, dept, group):
        assert peer_group(dept) == group


class TestPeriod:
    def test_month_is_local_days(self):
        p = month_period("2026-11")
        assert p.first_day == date(2026, 11, 1) and p.last_day == date(2026, 11, 30)
        assert p.start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
        assert p.end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
        assert month_period("2026-12").last_day == date(2026, 12, 31)

    def test_from_to_inclusive(self):
        p = parse_period(date_from="2026-11-02", date_to="2026-11-08")
        assert len(p.days()) == 7

    @pytest.mark.parametrize("kw", [
        {"month": "2026-13"}, {"month": "November"}, {"date_from": "2026-11-09", "date_to": "2026-11-08"},
        {"date_from": "yesterday"}, {"month": "2026-11", "date_from": "2026-11-01"},
        {"date_from": "2025-01-01", "date_to": "2026-12-31"},
    ])
    def test_bad_periods(self, kw):
        with pytest.raises(ValidationFailed):
            parse_period(**kw)

    def test_default_is_this_month_so_far(self):
        p = parse_period(today=date(2026, 11, 22))
        assert (p.first_day, p.last_day) == (date(2026, 11, 1), date(2026, 11, 22))
