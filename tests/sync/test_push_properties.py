"""Property: under any reordering, duplication and gaps, every mutation id is processed exactly
once, in id order, and the counter is the longest delivered prefix."""

from __future__ import annotations

import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.auth.security import encode_token
from tests.conftest import TEST_SECRET
from tests.factories import make_user
from tests.sync.helpers import PUSH, mutation

batches = st.integers(min_value=1, max_value=6).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.lists(st.integers(1, n), max_size=n + 2), max_size=5)))


def model(counter: int, batch: list[int]) -> tuple[int, list[tuple[int, str]], bool]:
    out = []
    for mid in sorted(batch):
        if mid <= counter:
            out.append((mid, "duplicate"))
        elif mid == counter + 1:
            out.append((mid, "rejected"))  # an unknown mutation: processed, never applied
            counter = mid
        else:
            return counter, out, True
    return counter, out, False


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=batches)
async def test_exactly_once_in_order(client, session, case):
    n, sends = case
    user = await make_user(session)
    token = encode_token(secret=TEST_SECRET, subject=str(user.id), kind="access", lifetime=timedelta(minutes=5))
    headers = {"Authorization": f"Bearer {token}"}  # (signing in with argon2 per example is slow)
    cid = f"prop-{uuid.uuid4().hex[:12]}"
    counter = 0
    processed: list[int] = []
    for batch in [*sends, list(range(1, n + 1))]:  # finally the phone sends everything in order
        r = await client.post(PUSH, headers=headers, json={
            "client_id": cid, "mutations": [mutation(m, "probe.noop", i=m) for m in batch]})
        body = r.json()
        counter, expected, gap = model(counter, batch)
        assert [(x["id"], x["status"]) for x in body["results"]] == expected
        assert (body["stopped"] is not None) == gap
        assert body["last_mutation_id"] == counter
        processed += [x["id"] for x in body["results"] if x["status"] != "duplicate"]
    assert processed == list(range(1, n + 1))
