"""When to ask RTE again. Pure functions of the saved state and the host clock (epoch seconds).

The feed moves every 15 minutes and a quarter-hour is published about 20 minutes after it starts,
so after a good fetch nothing new can appear before the next quarter-hour is due. In steady state
that is one `type=mix` request per quarter-hour and one `type=co2` request per half-hour: 6 per hour,
whatever the check's interval.
"""

from dataclasses import replace
from datetime import timedelta

from datadog_exercise.eco2mix.slots import QUARTER_HOUR

PUBLICATION_LAG = timedelta(minutes=22)  # from a quarter-hour's start to its publication, with a margin
RECHECK_SECONDS = 5 * 60  # the expected quarter-hour was not there yet
FALLBACK_RECHECK_SECONDS = 15 * 60  # served by ODRE (refreshed hourly): look at éCO2mix again in 15 minutes
CO2_REFRESH_SECONDS = 30 * 60
BACKOFF_FIRST_SECONDS = 60
BACKOFF_CAP_SECONDS = 15 * 60


def fetch_due(state, now):
    return now >= state.next_fetch_at


def co2_due(state, now):
    return state.co2_fetched_at is None or now - state.co2_fetched_at >= CO2_REFRESH_SECONDS


def next_quarter_hour_expected(snapshot):
    """Epoch seconds when the quarter-hour after `snapshot` should be published."""
    return (snapshot.start + QUARTER_HOUR + PUBLICATION_LAG).timestamp()


def after_success(state, now, snapshot, as_of=None, fallback=False):
    """The state after a fetch that gave `snapshot` (None: the answer had no complete quarter-hour)."""
    kept, kept_as_of = state.snapshot, state.as_of
    if snapshot is not None and (kept is None or snapshot.start >= kept.start):
        kept, kept_as_of = snapshot, as_of
    if fallback:
        next_fetch = now + FALLBACK_RECHECK_SECONDS
    elif kept is None:
        next_fetch = now + RECHECK_SECONDS
    else:
        next_fetch = max(next_quarter_hour_expected(kept), now + RECHECK_SECONDS)
    return replace(state, snapshot=kept, as_of=kept_as_of, next_fetch_at=next_fetch, failures=0, last_error=None)


def after_failure(state, now, reason, retry_after=None):
    """The state after a failed attempt: exponential backoff, capped, and at least what the server asked."""
    failures = state.failures + 1
    delay = min(BACKOFF_FIRST_SECONDS * 2 ** min(failures - 1, 10), BACKOFF_CAP_SECONDS)
    if retry_after:
        delay = max(delay, min(retry_after, BACKOFF_CAP_SECONDS))
    return replace(state, next_fetch_at=now + delay, failures=failures, last_error=reason)


def after_co2(state, now, reading):
    """The state after a CO2 fetch; a reading of None keeps the previous one."""
    return replace(state, co2=reading or state.co2, co2_fetched_at=now)
