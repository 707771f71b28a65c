"""Whether a parsed answer can be reported, and what of it. Pure functions of an answer and the host clock.

An answer that has rows but no complete quarter-hour (a core series absent, or none of its values
usable), or that is dated after this host's clock, is a fault of the feed, raised as FeedError: the
service check says so, and with `source: auto` ODRE serves meanwhile. The same holds for the feeds
fetched on their own schedule (their readings below): their faults are warnings.
"""

from datetime import UTC, datetime, timedelta

from datadog_exercise.eco2mix import market, odre, regional, xmlfeed
from datadog_exercise.eco2mix.labels import CO2_INTENSITY, COMMERCIAL_EXCHANGES, CORE_SERIES, feed_label
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.slots import QUARTER_HOUR, paris_day
from datadog_exercise.eco2mix.snapshot import core_series_without_value, latest_snapshot, latest_value

from . import feeds
from .policy import latest_acceptable

PARSERS = {
    feeds.ECO2MIX_MIX: xmlfeed.parse,
    feeds.ECO2MIX_CO2: xmlfeed.parse,
    feeds.ODRE: odre.parse,
    feeds.ODRE_REGIONAL: regional.parse,
    feeds.MARKET: market.parse,
}


def parsed(feed, body, config):
    """The answer of `feed` parsed as the check parses it (the byte cap of its request, the user's label_overrides
    for éCO2mix's XML), or FeedError."""
    if feed in (feeds.ECO2MIX_MIX, feeds.ECO2MIX_CO2):
        return xmlfeed.parse(body, feeds.MAX_BYTES[feed], config.label_overrides)
    return PARSERS[feed](body, feeds.MAX_BYTES[feed])


def reported_snapshot(document, now, required=CORE_SERIES):
    """The latest quarter-hour of `document` in which every `required` series has a value, or FeedError saying
    why the answer has none to give."""
    snapshot = latest_snapshot(document, required)
    if snapshot is None:
        raise FeedError(_why_no_quarter_hour(document))
    latest = latest_acceptable(now)
    if snapshot.end > latest:
        raise FeedError(
            f"its latest quarter-hour ends at {_utc(snapshot.end)}, after this host's clock ({_utc_now(now)}): "
            f"the feed's clock or this host's is wrong"
        )
    generated = document.generated_at
    if generated is not None and generated > latest:
        raise FeedError(f"it says it was generated at {_utc(generated)}, after this host's clock ({_utc_now(now)})")
    if generated is not None and generated < snapshot.end:
        raise FeedError(
            f'it says it was generated at {_utc(generated)}, before its latest quarter-hour ended '
            f'({_utc(snapshot.end)})'
        )
    return snapshot


def co2_reading(document, now):
    """(quarter-hour start, gCO2/kWh) of the latest CO2 intensity in a `type=co2` answer, or FeedError."""
    reading = latest_value(document, CO2_INTENSITY)
    if reading is None:
        raise FeedError('no usable CO2 intensity in the answer')
    end = reading[0] + QUARTER_HOUR
    if end > latest_acceptable(now):
        raise FeedError(f"its latest CO2 intensity ends at {_utc(end)}, after this host's clock ({_utc_now(now)})")
    return reading


def odre_reading(document, now):
    """The ODRE quarter-hour kept for an hour (borders, batteries, wind split): the latest complete one that has
    the borders, which ODRE publishes every half-hour; the latest complete one when none has them."""
    try:
        return reported_snapshot(document, now, (*CORE_SERIES, *COMMERCIAL_EXCHANGES))
    except FeedError:
        return reported_snapshot(document, now)


def regional_reading(answer, now, slugs):
    """{slug: the latest usable quarter-hour} of the regions in `slugs` that the answer has, or FeedError when it
    has none of them, or one dated after this host's clock."""
    latest = {slug: quarter_hour for slug, quarter_hour in answer.latest().items() if slug in slugs}
    if not latest:
        unusable = f' ({answer.problems.count} value(s) unusable)' if answer.problems else ''
        raise FeedError(f'no usable quarter-hour for any region asked for{unusable}')
    future = [quarter_hour for quarter_hour in latest.values() if quarter_hour.end > latest_acceptable(now)]
    if future:
        raise FeedError(
            f"{future[0].region}'s latest quarter-hour ends at {_utc(future[0].end)}, after this host's clock "
            f'({_utc_now(now)})'
        )
    return latest


def prices_reading(prices, now):
    """The AreaDays of today and tomorrow (Paris) in a market answer, or FeedError when it has no price for
    either: before the auction, tomorrow's are not out yet, but today's always are."""
    today = paris_day(datetime.fromtimestamp(now, UTC))
    days = tuple(area_day for area_day in prices.days if today <= area_day.date <= today + timedelta(days=1))
    if not days:
        published = ', '.join(map(str, prices.published_days()[:5])) or 'none'
        raise FeedError(f'no price for {today} or the day after (days with prices: {published})')
    return days


def _why_no_quarter_hour(document):
    missing = core_series_without_value(document)
    if missing:
        names = ', '.join(_series_name(document.feed, key) for key in missing)
        return f'no complete quarter-hour: no usable value for {names}'
    unusable = f' ({document.problems.count} value(s) unusable)' if document.problems else ''
    return f'no quarter-hour has a usable value for every core series{unusable}'


def _series_name(feed, key):
    label = feed_label(feed, key)
    return f'{key.series} ({label!r})' if label else key.series


def _utc(instant):
    return f'{instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC'


def _utc_now(now):
    return _utc(datetime.fromtimestamp(now, UTC))
