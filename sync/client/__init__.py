"""The Python reference client: an on-disk outbox and the push/pull loops a phone runs.

Used by the fault-injection tests, the benchmark and `civicloop simulate-devices`.
"""

from sync.client.client import Phone, SyncFailed
from sync.client.outbox import Outbox

__all__ = ["Outbox", "Phone", "SyncFailed"]
