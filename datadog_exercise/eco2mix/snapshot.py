"""Choose the quarter-hour to report: the latest one in which every core series is published.

Every loop here runs over slot numbers below MAX_SLOTS, whatever the series say their latest slot is.
"""

from dataclasses import replace
from datetime import timedelta

from .labels import CO2_INTENSITY, CORE_SERIES
from .model import Snapshot
from .slots import MAX_SLOTS

# The CO2 feed is fetched less often than the mix: a CO2 reading is used for a quarter-hour when it
# is for that quarter-hour or at most this much older.
CO2_MAX_LAG = timedelta(minutes=30)


def latest_snapshot(document, required=CORE_SERIES):
    """The latest quarter-hour of `document` in which every `required` series has a value (by default: the
    latest complete one), or None if there is none."""
    for day in reversed(document.days):
        slot = _latest_complete_slot(day, required)
        if slot is None:
            continue
        values = {key: value for key, series in day.series.items() if (value := series.value_at(slot)) is not None}
        return Snapshot(document.feed, day.slot_start(slot), values)
    return None


def with_co2(snapshot, co2):
    """`snapshot` with `co2`, a CO2 intensity reading `(quarter-hour start, value)` from the `type=co2` feed,
    when it has none of its own for that quarter-hour and the reading is recent enough."""
    if CO2_INTENSITY in snapshot.values or co2 is None or not timedelta(0) <= snapshot.start - co2[0] <= CO2_MAX_LAG:
        return snapshot
    return replace(snapshot, values={**snapshot.values, CO2_INTENSITY: co2[1]})


def _latest_complete_slot(day, required):
    core = [day.series.get(key) for key in required]
    if None in core:
        return None
    latest = [series.latest_slot() for series in core]
    if None in latest:
        return None
    for slot in _downwards_from(min(latest)):
        if all(series.value_at(slot) is not None for series in core) and day.slot_start(slot) is not None:
            return slot
    return None


def latest_value(document, key, not_after=None):
    """(start, value) of the latest slot of series `key` that has a value, starting no later than `not_after`."""
    for day in reversed(document.days):
        series = day.series.get(key)
        latest = series.latest_slot() if series is not None else None
        if latest is None:
            continue
        for slot in _downwards_from(latest):
            start = day.slot_start(slot)
            if start is None or (not_after is not None and start > not_after):
                continue
            value = series.value_at(slot)
            if value is not None:
                return start, value
    return None


def _downwards_from(slot):
    return range(min(slot, MAX_SLOTS - 1), -1, -1)


def core_series_without_value(document):
    """The core series that have no value anywhere in `document`: absent, or every value missing or unusable."""
    return [
        key
        for key in CORE_SERIES
        if not any(
            (series := day.series.get(key)) is not None and series.latest_slot() is not None for day in document.days
        )
    ]


def quarter_hours(document):
    """Every (start, values) of the document in time order, partial ones included (for plots)."""
    rows = {}
    for day in document.days:
        for key, series in day.series.items():
            for slot, value in series.items():
                start = day.slot_start(slot)
                if start is not None:
                    rows.setdefault(start, {})[key] = value
    return sorted(rows.items())
