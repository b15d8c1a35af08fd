"""Metrics, scores, grades, rankings and the monthly 通报 (DOMAIN §4)."""
