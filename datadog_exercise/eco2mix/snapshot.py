"""Choose the quarter-hour to report: the latest one in which every core series is published."""

from datetime import timedelta

from .labels import CO2_INTENSITY, CORE_SERIES
from .model import Snapshot

# The CO2 feed is fetched less often than the mix: a CO2 reading is used for a quarter-hour when it
# is for that quarter-hour or at most this much older.
CO2_MAX_LAG = timedelta(minutes=30)


def latest_snapshot(document, co2=None):
    """The latest complete quarter-hour of `document`, or None if there is none.

    `co2` is a CO2 intensity reading `(quarter-hour start, value)` from the `type=co2` feed; it is
    added when the document has none of its own for that quarter-hour and the reading is recent enough.
    """
    for day in reversed(document.days):
        slot = _latest_complete_slot(day)
        if slot is None:
            continue
        start = day.slot_start(slot)
        values = {key: value for key, series in day.series.items() if (value := series.value_at(slot)) is not None}
        if CO2_INTENSITY not in values and co2 is not None and timedelta(0) <= start - co2[0] <= CO2_MAX_LAG:
            values[CO2_INTENSITY] = co2[1]
        return Snapshot(document.feed, start, values)
    return None


def _latest_complete_slot(day):
    core = [day.series.get(key) for key in CORE_SERIES]
    if None in core:
        return None
    latest = [series.latest_slot() for series in core]
    if None in latest:
        return None
    for slot in range(min(latest), -1, -1):
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
        for slot in range(latest, -1, -1):
            start = day.slot_start(slot)
            if start is None or (not_after is not None and start > not_after):
                continue
            value = series.value_at(slot)
            if value is not None:
                return start, value
    return None


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
