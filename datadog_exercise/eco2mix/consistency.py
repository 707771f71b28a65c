"""Whether éCO2mix and ODRE publish the same figures, and what an unknown éCO2mix row most likely is. Pure.

ODRE republishes éCO2mix's figures an hour or two later, as published: the same whole megawatts and grams
of CO2 per kWh (every value of a real recorded ODRE answer is a whole number, as is
every value of the recorded `type=co2` answer), and about 17,000 of them compared with real éCO2mix answers
from 2023 to 2025 showed no difference. So the tolerance is none: two figures agree when they are equal,
and any difference is a real one (a label read as the wrong series, a feed that changed).

Both sides are windows of recent quarter-hours (`window`): the check keeps them between runs, so that the
comparison needs no request of its own, whichever feed was fetched last. Every loop here is bounded by the
windows' sizes and the parsers' caps, never by a number from a feed.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .labels import (
    BREAKDOWN_SERIES,
    CO2_INTENSITY,
    CORE_SERIES,
    ODRE_FIELDS,
    XML_TARGETS,
    SeriesKey,
    describe,
    feed_label,
    override_code,
    row_name,
    target_name,
)
from .model import MAX_LABEL_TEXT
from .reading import shown
from .slots import MAX_SLOTS, PARIS, QUARTER_HOUR, local_midnight

ECO2MIX_WINDOW = 16  # four hours: ODRE's lag (one to two hours) plus the two hours of its answer
ODRE_WINDOW = 8  # the quarter-hours of one ODRE answer (the check asks for 8)
MAX_DIAGNOSED = 5  # unknown rows compared with ODRE's series (the parser keeps as many a day)
# The series compared: the ones both feeds publish for a quarter-hour. The forecasts are left out: the
# intraday one is revised during the day, so the two feeds may rightly carry different versions of it.
COMPARED = (*CORE_SERIES, CO2_INTENSITY, *sorted(BREAKDOWN_SERIES, key=target_name))
MIX_COMPARED = tuple(key for key in COMPARED if key != CO2_INTENSITY)
ODRE_SERIES = tuple(ODRE_FIELDS.values())

# (start, {key: value}) of each quarter-hour, oldest first.
Window = tuple[tuple[datetime, Mapping[SeriesKey, float]], ...]


@dataclass(frozen=True)
class UnknownRow:
    """An éCO2mix row the label table does not know, and its values at the quarter-hours of a window."""

    label: str | None
    granularity: str | None
    values: Mapping[datetime, float]

    @property
    def name(self):
        return row_name(self.label, self.granularity)


@dataclass(frozen=True)
class Comparison:
    """One quarter-hour both feeds published: (key, éCO2mix's value or None, ODRE's value) of each series
    compared. éCO2mix's None is a core series it did not publish for that quarter-hour."""

    start: datetime
    rows: tuple[tuple[SeriesKey, float | None, float], ...]

    @property
    def mismatches(self):
        return tuple(row for row in self.rows if row[1] != row[2])

    def message(self):
        """The differences, each series with both values (there are some: an agreement is said by an OK)."""
        when = f'{self.start.astimezone(PARIS):%Y-%m-%d %H:%M} Paris'
        named = '; '.join(_difference(*row) for row in self.mismatches)
        return f'éCO2mix and ODRE differ on {len(self.mismatches)} of {len(self.rows)} series for {when}: {named}'


def window(document, keys, count, until=None):
    """The latest `count` quarter-hours of `document` that have a value of any of `keys`, oldest first, each
    with the values of `keys` it has; only quarter-hours that end by `until` (an aware datetime) when given.

    Rows are read from their end (model.Series.value_at), as far back as the window reaches."""
    found = {}
    for day in reversed(document.days):
        rows = [(key, series) for key in keys if (series := day.series.get(key)) is not None]
        latest = max((slot for _, series in rows if (slot := series.latest_slot()) is not None), default=None)
        for slot in range(min(latest, MAX_SLOTS - 1), -1, -1) if latest is not None else ():
            start = day.slot_start(slot)
            if start is None or start in found or (until is not None and start + QUARTER_HOUR > until):
                continue
            values = {key: value for key, series in rows if (value := series.value_at(slot)) is not None}
            if values:
                found[start] = values
                if len(found) == count:
                    return tuple(sorted(found.items()))
    return tuple(sorted(found.items()))


def unknown_rows(document, starts):
    """The first MAX_DIAGNOSED unknown rows the parser kept (by label and granularite, across days), with
    their values at `starts`; labels truncated to what a message or the cache keeps."""
    wanted = set(starts)
    earliest = min(wanted, default=None)
    rows = {}
    for day in reversed(document.days):
        if earliest is None or local_midnight(day.date + timedelta(days=1)) <= earliest:
            break  # this day, and the ones before it, end before the window: their rows are not read
        for (label, granularity), series in day.unknown.items():
            name = (_truncated(label), _truncated(granularity))
            if name not in rows:
                if len(rows) == MAX_DIAGNOSED:
                    continue
                rows[name] = {}
            latest = series.latest_slot()
            for slot in range(min(latest, MAX_SLOTS - 1), -1, -1) if latest is not None else ():
                start = day.slot_start(slot)
                if start is not None and start < earliest:
                    break  # the row is read from its end: what is left is older than the window
                if start in wanted and (value := series.value_at(slot)) is not None:
                    rows[name][start] = value
    return tuple(UnknownRow(label, granularity, values) for (label, granularity), values in rows.items())


def _truncated(text):
    return text[:MAX_LABEL_TEXT] if isinstance(text, str) else None


def compare(eco2mix, co2, odre):
    """The latest quarter-hour of the `odre` window that the `eco2mix` window also has, compared series by series
    (COMPARED, CO2 from the `co2` window); None when the windows have no quarter-hour in common.

    A core series éCO2mix lacks for that quarter-hour is a difference (its value None); a breakdown is compared
    only when both feeds have it."""
    mix = dict(eco2mix)
    common = [start for start, _ in odre if start in mix]
    if not common:
        return None
    start = common[-1]
    published = dict(odre)[start]
    ours = {**mix[start], **dict(co2).get(start, {})}
    rows = []
    for key in COMPARED:
        if key not in published or (key not in ours and key not in CORE_SERIES):
            continue
        if key == CO2_INTENSITY and key not in ours:
            continue  # no type=co2 answer for that quarter-hour (the `co2` option off, or not fetched yet)
        rows.append((key, ours.get(key), published[key]))
    return Comparison(start, tuple(rows))


def diagnose(unknown, odre):
    """What each unknown row most likely is: the ODRE series it equals on every quarter-hour both have. One line
    a row, at most MAX_DIAGNOSED."""
    published = dict(odre)
    lines = []
    for row in unknown[:MAX_DIAGNOSED]:
        starts = [start for start in sorted(row.values) if start in published]
        lines.append(_diagnosis(row, starts, published))
    return tuple(lines)


def _diagnosis(row, starts, published):
    subject = f'unknown series {row.name}'
    total = len(starts)
    if not total:
        return f"{subject} has no quarter-hour in common with ODRE's records yet"
    equal = {}
    for field, key in ODRE_FIELDS.items():
        count = sum(1 for start in starts if published[start].get(key) == row.values[start])
        if count:
            equal[field] = count
    best = max(equal.values(), default=0)
    if not best:
        return f'{subject} equals no ODRE series on the {total} quarter-hour(s) both have'
    fields = [field for field, count in equal.items() if count == best]
    listed = ' and '.join(fields[:3]) + (f' (and {len(fields) - 3} more)' if len(fields) > 3 else '')
    equals = f"{subject} equals ODRE's {listed} on {best} of {total} quarter-hours"
    if best < total:
        return f'{equals}: not conclusive'
    if len(fields) > 1:
        return f'{equals}: cannot tell which'
    key = ODRE_FIELDS[fields[0]]
    if key not in XML_TARGETS:
        return f'{equals}: probably {describe(key)}, which this check does not read from éCO2mix'
    return f'{equals}: probably {describe(key)}; map it with label_overrides ({_override(row, key)})'


def _override(row, key):
    """The `label_overrides` entry that maps `row` to `key`, as YAML."""
    if override_code(row.granularity) is None:
        return f'{shown(row.label)}: {target_name(key)}'
    return f'{shown(row.label)}: {{{shown(row.granularity, 10)}: {target_name(key)}}}'


def _difference(key, eco2mix, odre):
    field = feed_label('odre', key)
    label = feed_label('eco2mix', key) if key.qualifier is None else None
    theirs = f'ODRE {figure(odre)} ({field})'
    if eco2mix is None:
        published = f'éCO2mix none (no {label!r} value)' if label else 'éCO2mix none'
    else:
        published = f'éCO2mix {figure(eco2mix)}'
    return f'{target_name(key)}: {published}, {theirs}'


def figure(value):
    """A feed's number as messages show it: whole numbers without a decimal point; None is `none`."""
    if value is None:
        return 'none'
    return f'{value:.0f}' if value == int(value) else f'{value:g}'
