"""When to ask RTE again. Pure functions of the saved state and the host clock (epoch seconds).

The feed moves every 15 minutes and a quarter-hour is published about 20 minutes after it starts,
so after a good fetch nothing new can appear before the next quarter-hour is due. In steady state
that is one `type=mix` request per quarter-hour and one `type=co2` request per half-hour: 6 per hour,
whatever the check's interval.

Nothing a feed or the cache says can push the next fetch more than MAX_FETCH_DELAY away, and nothing
dated after the host's clock (beyond CLOCK_TOLERANCE) is kept: it is not data, it is a fault.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from datadog_exercise.eco2mix.slots import QUARTER_HOUR

from .state import MAX_ERROR, MAX_FAILURES

PUBLICATION_LAG = timedelta(minutes=22)  # from a quarter-hour's start to its publication, with a margin
RECHECK_SECONDS = 5 * 60  # the expected quarter-hour was not there yet
FALLBACK_RECHECK_SECONDS = 15 * 60  # served by ODRE (refreshed hourly): look at éCO2mix again in 15 minutes
CO2_REFRESH_SECONDS = 30 * 60
BACKOFF_FIRST_SECONDS = 60
BACKOFF_CAP_SECONDS = 15 * 60
# A server's Retry-After is honoured up to an hour (both forms, seconds or a date): a longer silence
# would outlast max_data_age's default of two hours for an answer that may well be a mistake.
RETRY_AFTER_CEILING_SECONDS = 3600
MAX_FETCH_DELAY_SECONDS = RETRY_AFTER_CEILING_SECONDS
# How far past this host's clock a feed's timestamp may be before it is refused: RTE publishes a
# quarter-hour about 5 minutes after it ends, so a host clock 5 minutes slow still sees the present.
CLOCK_TOLERANCE = timedelta(minutes=2)


def fetch_due(state, now):
    return now >= state.next_fetch_at


def co2_due(state, now):
    return state.co2_fetched_at is None or now - state.co2_fetched_at >= CO2_REFRESH_SECONDS


def latest_acceptable(now):
    """The latest instant a feed's timestamp may carry, as an aware datetime."""
    return datetime.fromtimestamp(now, UTC) + CLOCK_TOLERANCE


def within_clock(state, now):
    """`state` without what lies in the host's future: a corrupt cache, or a host clock set back.

    A snapshot, CO2 reading or generation time after `latest_acceptable(now)` is dropped (and the next
    fetch is due at once); a CO2 fetch or a next fetch scheduled impossibly far is due at once.
    """
    latest = latest_acceptable(now)
    changes = {}
    if state.snapshot is not None and state.snapshot.end > latest:
        changes.update(snapshot=None, as_of=None, next_fetch_at=now)
    elif state.as_of is not None and state.as_of > latest:
        changes.update(as_of=None)
    if state.co2 is not None and state.co2[0] + QUARTER_HOUR > latest:
        changes.update(co2=None, co2_fetched_at=None)
    if state.co2_fetched_at is not None and state.co2_fetched_at > now:
        changes.update(co2_fetched_at=None)
    if state.next_fetch_at > now + MAX_FETCH_DELAY_SECONDS:
        changes.update(next_fetch_at=now)
    return replace(state, **changes) if changes else state


def next_quarter_hour_expected(snapshot):
    """Epoch seconds when the quarter-hour after `snapshot` should be published."""
    return (snapshot.start + QUARTER_HOUR + PUBLICATION_LAG).timestamp()


def not_before(now, retry_after):
    """Epoch seconds before which a server asked not to be asked again (Retry-After: seconds or an aware
    datetime), at most RETRY_AFTER_CEILING_SECONDS away; None when it asked nothing."""
    if retry_after is None:
        return None
    asked = retry_after.timestamp() if isinstance(retry_after, datetime) else now + retry_after
    return min(asked, now + RETRY_AFTER_CEILING_SECONDS)


def after_success(state, now, snapshot, as_of=None, fallback=False, retry_at=None):
    """The state after a fetch that gave `snapshot` (None: the answer had no complete quarter-hour).

    `retry_at` (from not_before) is when a feed that failed on the way asked to be left alone until.
    """
    kept, kept_as_of = state.snapshot, state.as_of
    if snapshot is not None and (kept is None or snapshot.start >= kept.start):
        kept, kept_as_of = snapshot, as_of
    if fallback:
        next_fetch = now + FALLBACK_RECHECK_SECONDS
    elif kept is None:
        next_fetch = now + RECHECK_SECONDS
    else:
        next_fetch = max(next_quarter_hour_expected(kept), now + RECHECK_SECONDS)
    next_fetch = min(max(next_fetch, retry_at or 0), now + MAX_FETCH_DELAY_SECONDS)
    return replace(state, snapshot=kept, as_of=kept_as_of, next_fetch_at=next_fetch, failures=0, last_error=None)


def after_failure(state, now, reason, retry_at=None):
    """The state after a failed attempt: exponential backoff, capped, and at least what the server asked.

    When the server's Retry-After sets the next attempt, the reason says until when.
    """
    failures = min(state.failures + 1, MAX_FAILURES)
    next_fetch = now + min(BACKOFF_FIRST_SECONDS * 2 ** min(failures - 1, 10), BACKOFF_CAP_SECONDS)
    until = ''
    if retry_at is not None and retry_at > next_fetch:
        next_fetch = retry_at
        capped = ' (the longest this check waits)' if retry_at >= now + RETRY_AFTER_CEILING_SECONDS else ''
        until = f'; as asked, no request before {datetime.fromtimestamp(retry_at, UTC):%Y-%m-%d %H:%M:%S} UTC{capped}'
    reason = reason[: MAX_ERROR - len(until)] + until  # what the cache keeps, and the service check shows
    return replace(state, next_fetch_at=next_fetch, failures=failures, last_error=reason)


def after_co2(state, now, reading):
    """The state after a CO2 fetch; a reading of None keeps the previous one."""
    return replace(state, co2=reading or state.co2, co2_fetched_at=now)
