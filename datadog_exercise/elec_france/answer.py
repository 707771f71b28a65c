"""Whether a parsed answer can be reported. Pure functions of a document and the host clock.

An answer that has rows but no complete quarter-hour (a core series absent, or none of its values
usable), or that is dated after this host's clock, is a fault of the feed, raised as FeedError: the
service check says so, and with `source: auto` ODRE serves meanwhile.
"""

from datetime import UTC, datetime

from datadog_exercise.eco2mix.labels import CO2_INTENSITY, feed_label
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.slots import QUARTER_HOUR
from datadog_exercise.eco2mix.snapshot import core_series_without_value, latest_snapshot, latest_value

from .policy import latest_acceptable


def reported_snapshot(document, now):
    """The latest complete quarter-hour of `document`, or FeedError saying why the answer has none to give."""
    snapshot = latest_snapshot(document)
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
