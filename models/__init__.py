"""Every table, imported here so Alembic and the app see the whole metadata."""

from models import photo_refs as _photo_refs  # noqa: F401,E402  (registers the listener)
from models.base import SQLModel, metadata, new_id, utcnow
from models.categories import Category
from models.media import Media, PhotoRef
from models.org import Area, RoadSegment, RoutingRule, Unit, UnitJurisdiction
from models.sync import ChangeAudience, ChangeLog, Counter, SyncClient
from models.tickets import Notification, NotificationRead, Report, RoutingDecision, Ticket, TicketEvent
from models.users import RefreshToken, User, UserGrid

__all__ = [
    "SQLModel", "metadata", "new_id", "utcnow",
    "Area", "RoadSegment", "RoutingRule", "Unit", "UnitJurisdiction",
    "User", "UserGrid", "RefreshToken", "Category",
    "Report", "Ticket", "TicketEvent", "RoutingDecision", "Notification", "NotificationRead",
    "Media", "PhotoRef", "SyncClient", "Counter", "ChangeLog", "ChangeAudience",
]
