"""When to ask each feed again. Pure functions of the saved states and the host clock (epoch seconds).

The national mix moves every 15 minutes and a quarter-hour is published about 20 minutes after it
starts, so after a good fetch nothing new can appear before the next quarter-hour is due. In steady
state that is one `type=mix` request per quarter-hour and one `type=co2` request per half-hour: 6 per
hour, whatever the check's interval.

The feeds fetched on their own schedule (feeds.scheduled_feeds) add, in steady state: one ODRE national
request an hour (borders, batteries, wind split; ODRE refreshes about hourly), one ODRE regional request
an hour, and one request a day for the day-ahead prices, after the auction's results are out (and at
start). At most one of them is fetched per run, so a run makes at most four fetches.

Nothing a feed or the cache says can push the next fetch more than MAX_FETCH_DELAY away (the prices:
past their next publication), and nothing dated after the host's clock (beyond CLOCK_TOLERANCE) is
kept: it is not data, it is a fault.
"""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from datadog_exercise.eco2mix.slots import PARIS, QUARTER_HOUR, paris_day

from .feeds import ECO2MIX_CO2, ECO2MIX_MIX, MARKET, ODRE, ODRE_REGIONAL
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
HOURLY_SECONDS = 3600  # ODRE refreshes its datasets about once an hour
SCHEDULED_BACKOFF_FIRST_SECONDS = 5 * 60  # a feed asked hourly or daily: 5, 10, 20, 40, then 60 minutes
# The day-ahead auction's results are published at about 12:45 Paris (EPEX SDAC, 12:00 gate closure); RTE's
# feed has them in the early afternoon.
PRICES_PUBLISHED = time(14, 0)


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


def after_success(state, now, snapshot, as_of=None, fallback=None, retry_at=None):
    """The state after a fetch that gave `snapshot` (None: the answer had no complete quarter-hour).

    `fallback`: why the preferred feed failed, when a fallback gave the snapshot; kept as the state's
    `last_error` with no failure counted (`FetchState.degraded`). `retry_at` (from not_before) is when a feed
    that failed on the way asked to be left alone until.
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
    last_error = fallback[:MAX_ERROR] if fallback else None
    return replace(state, snapshot=kept, as_of=kept_as_of, next_fetch_at=next_fetch, failures=0, last_error=last_error)


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


# ---- the feeds fetched on their own schedule -----------------------------------------------------------------


def next_scheduled_feed(states, now):
    """The feed to fetch this run among `states` ({feed: FeedState}): the one due the longest, or None.

    One a run at most, so that a run makes at most four fetches (mix, co2, ODRE fallback, this one).
    """
    due = [(state.next_fetch_at, feed) for feed, state in states.items() if now >= state.next_fetch_at]
    return min(due)[1] if due else None


def scheduled_within_clock(feed, state, now):
    """`state` without a reading that lies in the host's future, and due now if scheduled impossibly far."""
    changes = {}
    if state.reading is not None and _in_the_future(feed, state.reading, now):
        changes.update(reading=None, next_fetch_at=now)
    if state.next_fetch_at > _latest_next_fetch(feed, now):
        changes.update(next_fetch_at=now)
    return replace(state, **changes) if changes else state


def after_scheduled_reading(feed, state, now, reading):
    """The state after a fetch of `feed` that gave `reading` (answer.py), merged with what was held."""
    if feed == ODRE:
        kept = reading if state.reading is None or reading.start >= state.reading.start else state.reading
        next_fetch = now + HOURLY_SECONDS
    elif feed == ODRE_REGIONAL:
        kept = dict(state.reading or {})
        for slug, quarter_hour in reading.items():
            if slug not in kept or quarter_hour.start >= kept[slug].start:
                kept[slug] = quarter_hour
        next_fetch = now + HOURLY_SECONDS
    else:
        kept = _prices_held(state.reading or (), reading, now)
        next_fetch = _next_prices_fetch(now, {area_day.date for area_day in kept})
    return replace(state, reading=kept, next_fetch_at=next_fetch, failures=0, last_error=None)


def after_scheduled_failure(state, now, reason, retry_at=None):
    """The state after a failed fetch of a feed asked hourly or daily: 5, 10, 20, 40 minutes, then every hour,
    and at least what the server asked (`retry_at`, from not_before)."""
    failures = min(state.failures + 1, MAX_FAILURES)
    delay = min(SCHEDULED_BACKOFF_FIRST_SECONDS * 2 ** min(failures - 1, 10), HOURLY_SECONDS)
    next_fetch = max(now + delay, retry_at or 0)
    return replace(state, next_fetch_at=next_fetch, failures=failures, last_error=reason[:MAX_ERROR])


def with_regions(state, slugs):
    """`state` holding only the regions in `slugs` (the configuration may have changed since it was saved)."""
    if state.reading is None or set(state.reading) <= set(slugs):
        return state
    return replace(state, reading={slug: held for slug, held in state.reading.items() if slug in slugs} or None)


def prices_publication(day):
    """Epoch seconds when the prices for the day after `day` are out."""
    return datetime.combine(day, PRICES_PUBLISHED, tzinfo=PARIS).timestamp()


def _next_prices_fetch(now, days_held):
    """At the next publication when the prices held are current (tomorrow's, or today's before the auction's
    results are out); in an hour when they are late."""
    today = paris_day(datetime.fromtimestamp(now, UTC))
    if today + timedelta(days=1) in days_held or (today in days_held and now < prices_publication(today)):
        return _next_publication(now)
    return now + HOURLY_SECONDS


def _next_publication(now):
    """Epoch seconds of the first publication of prices after `now`."""
    today = paris_day(datetime.fromtimestamp(now, UTC))
    publication = prices_publication(today)
    return publication if now < publication else prices_publication(today + timedelta(days=1))


def _prices_held(held, reading, now):
    """Today's and tomorrow's AreaDays: the new reading's, and what was held for an area-day it lacks."""
    today = paris_day(datetime.fromtimestamp(now, UTC))
    kept = {(area_day.area, area_day.date): area_day for area_day in held if area_day.date >= today}
    kept |= {(area_day.area, area_day.date): area_day for area_day in reading}
    return tuple(kept[key] for key in sorted(kept, key=lambda key: (key[1], key[0])))


def _latest_next_fetch(feed, now):
    if feed == MARKET:
        return max(_next_publication(now), now + MAX_FETCH_DELAY_SECONDS)
    return now + MAX_FETCH_DELAY_SECONDS


def _in_the_future(feed, reading, now):
    """Whether a reading speaks of what has not happened yet: a quarter-hour ending after the host's clock, or
    prices for a day after tomorrow."""
    latest = latest_acceptable(now)
    if feed == ODRE:
        return reading.end > latest
    if feed == ODRE_REGIONAL:
        return any(quarter_hour.end > latest for quarter_hour in reading.values())
    tomorrow = paris_day(latest) + timedelta(days=1)
    return any(area_day.date > tomorrow for area_day in reading)


# ---- what the schedule costs ---------------------------------------------------------------------------------


def budget(config):
    """[(feed, requests, period, why)] that `config` makes the check send in steady state, whatever its interval: what
    the schedule above gives (`tests/test_elec_france_budget.py` measures it on a simulated day)."""
    rows = []
    if config.source == 'odre':
        rows.append((ODRE, 4, 'hour', 'the national mix and its details, one per quarter-hour'))
    else:
        rows.append((ECO2MIX_MIX, 4, 'hour', 'the national mix, one per quarter-hour'))
        if config.co2:
            rows.append((ECO2MIX_CO2, 2, 'hour', 'the CO2 intensity, one per half-hour'))
        wanted = (('the borders, batteries, wind split', config.grid_details), ('the cross-check', config.cross_check))
        purposes = [purpose for purpose, on in wanted if on]
        if purposes:
            rows.append((ODRE, 1, 'hour', ' and '.join(purposes) + ': one request for both' * (len(purposes) > 1)))
    if config.regions:
        rows.append((ODRE_REGIONAL, 1, 'hour', f'{len(config.regions)} region(s)'))
    if config.prices:
        rows.append((MARKET, 1, 'day', 'the day-ahead prices, after the auction (and one at start)'))
    return rows
