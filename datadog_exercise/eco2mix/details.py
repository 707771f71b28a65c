"""The national figures beyond the mix: commercial exchanges per border, batteries, onshore and offshore wind
(from an ODRE `eco2mix-national-tr` answer), and the consumption forecasts (from ODRE, or from the éCO2mix
`type=mix` XML, which carries them as `PrévisionJ-1` and `PrévisionJ`). Pure: bytes and the caller's `now` in,
typed records out; FeedError and nothing else.

Every value is given in the sign a user reads: a border's commercial exchange is positive when France imports
(ODRE's `ech_comm_*` already are: they are negative when France exports, and add up to about `ech_physiques`,
whose sign is the same); batteries charging and discharging are both positive (ODRE's `stockage_batterie` is
negative, power drawn). A value outside its plausible range is refused alone, with a problem naming it: each
of these series is reported on its own, nothing is derived from them together.

Quarter-hours ending after `now` are not data. Forecasts for the rest of the day are published in advance,
so a future forecast is dropped silently; a future measured value is a problem.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import NamedTuple

from .body import MAX_BYTES, note
from .model import ECO2MIX, ODRE, Day, FeedError
from .records import load_records, place
from .slots import QUARTER_HOUR, paris_day
from .values import CLOCK_TOLERANCE, NEAR_ZERO_MW, UNREADABLE, Bounds, day_of, feed_number, shown
from .xmlfeed import DAY_TAG, XmlSeries, _parse_tree

DATASET = 'eco2mix-national-tr'

COMMERCIAL_EXCHANGE = 'commercial_exchange'
BATTERY_CHARGING = 'battery_charging'
BATTERY_DISCHARGING = 'battery_discharging'
WIND = 'wind'
CONSUMPTION_FORECAST = 'consumption_forecast'


class Detail(NamedTuple):
    series: str
    qualifier: str | None = None  # the border, the wind technology or the forecast's horizon


DAY_AHEAD = Detail(CONSUMPTION_FORECAST, 'day_ahead')
INTRADAY = Detail(CONSUMPTION_FORECAST, 'intraday')
FORECASTS = frozenset({DAY_AHEAD, INTRADAY})


class Source(NamedTuple):
    detail: Detail
    bounds: Bounds  # plausible range, in the feed's sign
    drawn: bool = False  # published negative (power drawn): the value given is its opposite


# The largest border, Germany and Belgium together, carries about 6 GW (-6,039 MW in RTE's figures of
# 2023-09-21): 15 GW is out of reach of any single border. France had about 1 GW of batteries in 2024; 10 GW
# leaves a decade of growth. Wind bounds are the 2035 targets of France's energy plan (PNEC: 45 GW onshore,
# 18 GW offshore). Forecast consumption stays below France's record (102,098 MW on 8 February 2012).
_EXCHANGE = Bounds(-15_000, 15_000)
_FORECAST = Bounds(0, 110_000)
ODRE_DETAILS = {
    'ech_comm_angleterre': Source(Detail(COMMERCIAL_EXCHANGE, 'gb'), _EXCHANGE),
    'ech_comm_espagne': Source(Detail(COMMERCIAL_EXCHANGE, 'es'), _EXCHANGE),
    'ech_comm_italie': Source(Detail(COMMERCIAL_EXCHANGE, 'it'), _EXCHANGE),
    'ech_comm_suisse': Source(Detail(COMMERCIAL_EXCHANGE, 'ch'), _EXCHANGE),
    'ech_comm_allemagne_belgique': Source(Detail(COMMERCIAL_EXCHANGE, 'de_be'), _EXCHANGE),
    'stockage_batterie': Source(Detail(BATTERY_CHARGING), Bounds(-10_000, NEAR_ZERO_MW), drawn=True),
    'destockage_batterie': Source(Detail(BATTERY_DISCHARGING), Bounds(-NEAR_ZERO_MW, 10_000)),
    'eolien_terrestre': Source(Detail(WIND, 'onshore'), Bounds(-NEAR_ZERO_MW, 50_000)),
    'eolien_offshore': Source(Detail(WIND, 'offshore'), Bounds(-NEAR_ZERO_MW, 20_000)),
    'prevision_j1': Source(DAY_AHEAD, _FORECAST),
    'prevision_j': Source(INTRADAY, _FORECAST),
}

# `v` labels of the XML forecast rows, in both spellings that `labels.XML_IGNORED` knows.
XML_FORECASTS = {
    'PrévisionJ-1': Source(DAY_AHEAD, _FORECAST),
    'Prévision J-1': Source(DAY_AHEAD, _FORECAST),
    'PrévisionJ': Source(INTRADAY, _FORECAST),
    'Prévision J': Source(INTRADAY, _FORECAST),
}
_XML_TOTAL_ROW = 'Global'


@dataclass(frozen=True)
class DetailsQuarterHour:
    start: datetime  # UTC
    values: Mapping[Detail, float]  # MW, in the sign a user reads; only the values published

    @property
    def end(self):
        return self.start + QUARTER_HOUR


@dataclass(frozen=True)
class Details:
    feed: str  # ECO2MIX or ODRE
    quarter_hours: tuple[DetailsQuarterHour, ...]  # in time order
    problems: list[str] = field(default_factory=list, compare=False)  # capped at MAX_PROBLEMS

    @cached_property
    def _by_start(self):
        return {quarter_hour.start: quarter_hour.values for quarter_hour in self.quarter_hours}

    def at(self, start):
        """{Detail: MW} of the quarter-hour starting at the aware `start` (e.g. the reported snapshot's)."""
        return self._by_start.get(start.astimezone(UTC), {})

    def latest(self):
        """{Detail: (start, MW)}: each series' latest value, with its own quarter-hour (ODRE's exchanges are
        published half-hourly, so they can be older than the batteries')."""
        return {
            detail: (quarter_hour.start, value)
            for quarter_hour in self.quarter_hours
            for detail, value in quarter_hour.values.items()
        }


def from_odre(body, *, now, max_bytes=MAX_BYTES):
    """The details of an ODRE `eco2mix-national-tr` answer. Raises FeedError, and nothing else, for a body
    that is not one."""
    records = load_records(body, max_bytes, DATASET)
    latest_end = now.astimezone(UTC) + CLOCK_TOLERANCE
    problems = []
    by_start = {}
    for position, record in enumerate(records):
        if not isinstance(record, dict):
            note(problems, f'record #{position} is not an object')
            continue
        placement = place(record, position, problems)
        if placement is None:
            continue
        values = {}
        for name, source in ODRE_DETAILS.items():
            raw = record.get(name)
            value = _checked(feed_number(raw), source, f'{placement.label} {name}', raw, problems)
            if value is not None:
                values[source.detail] = value
        if placement.end > latest_end:
            if values.keys() - FORECASTS:
                note(
                    problems, f'{placement.label}: the quarter-hour ends after now ({now:%Y-%m-%d %H:%M %Z}), not data'
                )
            continue
        if not values:
            continue
        if placement.start in by_start:
            note(problems, f'{placement.label}: the quarter-hour appears twice; the first one is used')
            continue
        by_start[placement.start] = values
    return _details(ODRE, by_start, problems)


def forecasts_from_xml(body, *, now, max_bytes=MAX_BYTES):
    """The consumption forecasts of an éCO2mix `type=mix` XML answer, placed on the same slots as the mix
    (`Day.slot_start`, DST included). Raises FeedError, and nothing else, for a body that is not one."""
    root = _parse_tree(body, max_bytes)
    now = now.astimezone(UTC)
    latest_end = now + CLOCK_TOLERANCE
    last_day = paris_day(now) + timedelta(days=1)
    problems = []
    by_start = {}
    days = 0
    seen = set()
    for element in root.iterchildren(DAY_TAG):
        days += 1
        day = day_of(element.get('date'), DAY_TAG, last_day, problems)
        if day is None:
            continue
        if day in seen:
            note(problems, f'day {day} appears twice; the first one is used')
            continue
        seen.add(day)
        rows = {}
        for row in element.iterchildren('type'):
            label = row.get('v')
            source = XML_FORECASTS.get(label)
            if source is None or row.get('granularite') not in (None, '', _XML_TOTAL_ROW):
                continue
            if source.detail in rows:
                note(problems, f'{day}: series {label!r} appears twice; the first one is used')
                continue
            rows[source.detail] = (label, source, XmlSeries(row, (day, label), problems))
        xml_day = Day(day, {detail: series for detail, (_, _, series) in rows.items()})
        for label, source, series in rows.values():
            for slot, feed_value in series.items():
                start = xml_day.slot_start(slot)
                if start is None or start + QUARTER_HOUR > latest_end:
                    continue  # no instant, or a forecast of the future
                value = _checked(feed_value, source, f'{day} {label} slot {slot}', feed_value, problems)
                if value is not None:
                    by_start.setdefault(start, {})[source.detail] = value
    if not days:
        raise FeedError(f'no <{DAY_TAG}> day element in the document: not an éCO2mix type=mix answer')
    return _details(ECO2MIX, by_start, problems)


def _checked(value, source, where, raw, problems):
    """`value` in the sign a user reads, or None when it is missing, unreadable or implausible (noted)."""
    if value is None:
        return None
    if value is UNREADABLE:
        note(problems, f'{where}: {shown(raw)} is not a number')
        return None
    if value not in source.bounds:
        note(problems, f'{where}: {value:g} is outside its plausible range {source.bounds}; ignored')
        return None
    return 0.0 - value if source.drawn else value  # 0.0 - x: a battery at rest is 0, not -0


def _details(feed, by_start, problems):
    quarter_hours = tuple(DetailsQuarterHour(start, by_start[start]) for start in sorted(by_start))
    return Details(feed=feed, quarter_hours=quarter_hours, problems=problems)
