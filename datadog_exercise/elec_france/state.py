"""What the check keeps between runs, in the Agent's persistent cache (so a restart does not refetch).

The cache is a file on the host: it is read as hostile as a feed. Every field is checked on load for
type, finiteness and range; any JSON at all gives either a valid state or a fresh start, never an
exception and never a value the check would not have written itself.
"""

import json
import math
from dataclasses import dataclass
from datetime import datetime

from datadog_exercise.eco2mix import regional
from datadog_exercise.eco2mix.consistency import (
    ECO2MIX_WINDOW,
    MAX_DIAGNOSED,
    MIX_COMPARED,
    ODRE_SERIES,
    ODRE_WINDOW,
    UnknownRow,
    Window,
)
from datadog_exercise.eco2mix.labels import CO2_INTENSITY, CORE_SERIES, KNOWN_SERIES, SeriesKey
from datadog_exercise.eco2mix.market import AREAS, MAX_PERIOD, AreaDay, Numbering, Resolution
from datadog_exercise.eco2mix.model import ECO2MIX, MAX_LABEL_TEXT, ODRE, Snapshot
from datadog_exercise.eco2mix.plausible import is_plausible, is_plausible_price, is_plausible_regional
from datadog_exercise.eco2mix.reading import MAX_INSTANT_TEXT, MAX_NUMBER, feed_day, in_range

from . import feeds

FORMAT = 1
MAX_FAILURES = 1_000_000
MAX_ERROR = 1000  # characters of the reason shown by the service check
MAX_TEXT = 64 * 1024  # a saved state is about 1 KB


class _Invalid(Exception):
    pass


@dataclass(frozen=True)
class FetchState:
    snapshot: Snapshot | None = None
    as_of: datetime | None = None  # generation time of the document the snapshot came from, when known
    co2: tuple[datetime, float] | None = None  # latest CO2 intensity reading: (quarter-hour start, gCO2/kWh)
    co2_fetched_at: float | None = None  # host clock, epoch seconds
    next_fetch_at: float = 0.0  # host clock, epoch seconds
    failures: int = 0  # consecutive failed attempts
    last_error: str | None = None  # with failures: why the last attempt failed; without: why a fallback serves

    @property
    def degraded(self):
        """The snapshot came from a fallback feed because the preferred one failed (`last_error` says how)."""
        return self.failures == 0 and bool(self.last_error)

    def to_json(self):
        return json.dumps(
            {
                'format': FORMAT,
                'snapshot': _snapshot_to_dict(self.snapshot) if self.snapshot else None,
                'as_of': self.as_of.isoformat() if self.as_of else None,
                'co2': [self.co2[0].isoformat(), self.co2[1]] if self.co2 else None,
                'co2_fetched_at': self.co2_fetched_at,
                'next_fetch_at': self.next_fetch_at,
                'failures': self.failures,
                'last_error': self.last_error,
            },
            separators=(',', ':'),
        )

    @classmethod
    def from_json(cls, text):
        """The saved state, or a fresh one when there is none or any part of it is not what to_json writes."""
        try:
            saved = _saved(text)
            return cls(
                snapshot=_optional(saved, 'snapshot', _snapshot_from_dict),
                as_of=_optional(saved, 'as_of', _instant),
                co2=_optional(saved, 'co2', _co2_reading),
                co2_fetched_at=_optional(saved, 'co2_fetched_at', _epoch),
                next_fetch_at=_epoch(_field(saved, 'next_fetch_at')),
                failures=_failures(_field(saved, 'failures')),
                last_error=_optional(saved, 'last_error', _error),
            )
        except (_Invalid, ValueError, RecursionError):  # ValueError: not JSON, or a 4301-digit integer
            return cls()


@dataclass(frozen=True)
class FeedState:
    """A feed fetched on its own schedule (feeds.scheduled_feeds), kept under its own cache key: when to ask it
    again, why it last failed, and its latest reading. What a reading is depends on the feed:

    - `odre`: the latest ODRE quarter-hour, a Snapshot with every series ODRE published for it (the mix's
      core series and breakdowns as well as the borders, batteries and wind split), so that it can be set
      against éCO2mix's figures for the same quarter-hour as it is;
    - `odre_regional`: {region slug: RegionalQuarterHour}, each region's latest quarter-hour;
    - `market`: the AreaDays of the prices held (today's and tomorrow's).
    """

    reading: object = None
    next_fetch_at: float = 0.0  # host clock, epoch seconds
    failures: int = 0  # consecutive failed attempts
    last_error: str | None = None

    def to_json(self, feed):
        write = _READINGS[feed][0]
        return json.dumps(
            {
                'format': FORMAT,
                'feed': feed,
                'reading': None if self.reading is None else write(self.reading),
                'next_fetch_at': self.next_fetch_at,
                'failures': self.failures,
                'last_error': self.last_error,
            },
            separators=(',', ':'),
        )

    @classmethod
    def from_json(cls, feed, text):
        """The saved state of `feed`, or a fresh one when there is none or any part of it is not what to_json
        writes."""
        try:
            saved = _saved(text, feed=feed)
            return cls(
                reading=_optional(saved, 'reading', _READINGS[feed][1]),
                next_fetch_at=_epoch(_field(saved, 'next_fetch_at')),
                failures=_failures(_field(saved, 'failures')),
                last_error=_optional(saved, 'last_error', _error),
            )
        except (_Invalid, ValueError, RecursionError):
            return cls()


@dataclass(frozen=True)
class Verification:
    """What the comparison of éCO2mix with ODRE keeps between runs (cache key `cross_check`): each feed's latest
    quarter-hours, so that it is made whichever feed was fetched last, and survives a restart without a request.
    Windows are eco2mix/consistency.py's: (start, {key: value}), oldest first."""

    eco2mix: Window = ()  # type=mix, the series compared (MIX_COMPARED)
    co2: Window = ()  # type=co2
    unknown: tuple[UnknownRow, ...] = ()  # type=mix rows the label table does not know, at eco2mix's quarter-hours
    odre: Window = ()  # every series of ODRE's latest answer

    def to_json(self):
        return json.dumps(
            {
                'format': FORMAT,
                'eco2mix': _window_to_list(self.eco2mix),
                'co2': _window_to_list(self.co2),
                'unknown': [
                    [row.label, row.granularity, [[start.isoformat(), value] for start, value in row.values.items()]]
                    for row in self.unknown
                ],
                'odre': _window_to_list(self.odre),
            },
            separators=(',', ':'),
        )

    @classmethod
    def from_json(cls, text):
        """The saved windows, or empty ones when there are none or any part is not what to_json writes."""
        try:
            saved = _saved(text)
            return cls(
                eco2mix=_window(_field(saved, 'eco2mix'), MIX_COMPARED, ECO2MIX_WINDOW),
                co2=_window(_field(saved, 'co2'), (CO2_INTENSITY,), ECO2MIX_WINDOW),
                unknown=_unknown_rows(_field(saved, 'unknown')),
                odre=_window(_field(saved, 'odre'), ODRE_SERIES, ODRE_WINDOW),
            )
        except (_Invalid, ValueError, RecursionError):
            return cls()


def _window_to_list(window):
    return [[start.isoformat(), _values_to_list(values)] for start, values in window]


def _window(saved, keys, size):
    """A window of at most `size` quarter-hours in time order, each holding plausible values of `keys` only."""
    if not isinstance(saved, list) or len(saved) > size:
        raise _Invalid(saved)
    window = []
    for entry in saved:
        if not isinstance(entry, list) or len(entry) != 2:
            raise _Invalid(entry)
        start = _quarter_hour(entry[0])
        if window and start <= window[-1][0]:
            raise _Invalid('quarter-hours in time order, each once')
        window.append((start, _values(entry[1], keys)))
    return tuple(window)


def _unknown_rows(saved):
    if not isinstance(saved, list) or len(saved) > MAX_DIAGNOSED:
        raise _Invalid(saved)
    rows = []
    for entry in saved:
        if not isinstance(entry, list) or len(entry) != 3 or not isinstance(entry[2], list):
            raise _Invalid(entry)
        label, granularity, saved_values = entry
        for text in (label, granularity):
            if not (text is None or (isinstance(text, str) and len(text) <= MAX_LABEL_TEXT)):
                raise _Invalid(text)
        if len(saved_values) > ECO2MIX_WINDOW:
            raise _Invalid(saved_values)
        values = {}
        for pair in saved_values:
            if not isinstance(pair, list) or len(pair) != 2:
                raise _Invalid(pair)
            start, value = _quarter_hour(pair[0]), _number(pair[1])
            if start in values or abs(value) > MAX_NUMBER:
                raise _Invalid(pair)
            values[start] = value
        rows.append(UnknownRow(label, granularity, values))
    return tuple(rows)


def _saved(text, **expected):
    """The object `text` holds, written by a to_json of this FORMAT (with the `expected` fields), or _Invalid."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise _Invalid
    saved = json.loads(text, parse_constant=_refuse)  # ValueError when it is not JSON
    if not isinstance(saved, dict) or saved.get('format') != FORMAT:
        raise _Invalid
    if any(saved.get(name) != value for name, value in expected.items()):
        raise _Invalid
    return saved


def _refuse(name):
    raise _Invalid(name)


def _field(saved, key):
    if key not in saved:
        raise _Invalid(key)
    return saved[key]


def _optional(saved, key, read):
    value = _field(saved, key)
    return None if value is None else read(value)


def _number(value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(value)
    if isinstance(value, int) and not -(10**15) <= value <= 10**15:
        raise _Invalid('integer out of range')
    if not math.isfinite(value):
        raise _Invalid(value)
    return float(value)


def _epoch(value):
    epoch = _number(value)
    if not 0 <= epoch <= 253402300799:  # up to 9999-12-31T23:59:59Z: datetime can represent it
        raise _Invalid(epoch)
    return epoch


def _failures(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FAILURES:
        raise _Invalid(value)
    return value


def _error(value):
    if not isinstance(value, str) or not value or len(value) > MAX_ERROR:
        raise _Invalid(value)
    return value


def _instant(value):
    if not isinstance(value, str) or len(value) > MAX_INSTANT_TEXT:
        raise _Invalid(value)
    instant = datetime.fromisoformat(value)  # ValueError when it is not one
    if instant.tzinfo is None or not in_range(instant) or instant.utcoffset():
        raise _Invalid(value)  # to_json writes UTC instants
    return instant


def _quarter_hour(value):
    instant = _instant(value)
    if instant.minute % 15 or instant.second or instant.microsecond:
        raise _Invalid(value)
    return instant


def _co2_reading(value):
    if not isinstance(value, list) or len(value) != 2:
        raise _Invalid(value)
    start, intensity = _quarter_hour(value[0]), _number(value[1])
    if not is_plausible(CO2_INTENSITY, intensity):
        raise _Invalid(intensity)
    return start, intensity


def _values_to_list(values):
    return [[key.series, key.qualifier, value] for key, value in values.items()]


def _values(rows, keys):
    """{key: value} from saved `[series, qualifier, value]` rows: each a plausible value of one of `keys`, once."""
    if not isinstance(rows, list) or len(rows) > len(keys):
        raise _Invalid(rows)
    values = {}
    for row in rows:
        if not isinstance(row, list) or len(row) != 3:
            raise _Invalid(row)
        series, qualifier, value = row
        if not isinstance(series, str) or not (qualifier is None or isinstance(qualifier, str)):
            raise _Invalid(row)
        key = SeriesKey(series, qualifier)
        value = _number(value)
        if key not in keys or key in values or not is_plausible(key, value):
            raise _Invalid(row)
        values[key] = value
    return values


def _snapshot_to_dict(snapshot):
    return {
        'feed': snapshot.feed,
        'start': snapshot.start.isoformat(),
        'values': _values_to_list(snapshot.values),
    }


def _snapshot_from_dict(saved):
    if not isinstance(saved, dict) or saved.get('feed') not in (ECO2MIX, ODRE):
        raise _Invalid(saved)
    values = _values(_field(saved, 'values'), KNOWN_SERIES)
    if not set(CORE_SERIES) <= values.keys():
        raise _Invalid('a snapshot holds every core series')
    return Snapshot(saved['feed'], _quarter_hour(_field(saved, 'start')), values)


def _odre_snapshot_from_dict(saved):
    snapshot = _snapshot_from_dict(saved)
    if snapshot.feed != ODRE:
        raise _Invalid(saved)
    return snapshot


def _regions_to_list(regions):
    return [
        [
            quarter_hour.region,
            quarter_hour.start.isoformat(),
            dict(quarter_hour.production),
            quarter_hour.consumption,
            quarter_hour.exchange_balance,
            quarter_hour.pumping,
        ]
        for quarter_hour in regions.values()
    ]


def _regions_from_list(saved):
    if not isinstance(saved, list) or not 0 < len(saved) <= len(regional.SLUGS):
        raise _Invalid(saved)
    regions = {}
    for row in saved:
        if not isinstance(row, list) or len(row) != 6:
            raise _Invalid(row)
        slug, start, production, consumption, exchange, pumping = row
        if slug not in regional.SLUGS or slug in regions or not isinstance(production, dict):
            raise _Invalid(row)
        if len(production) > len(regional.FUELS) or not set(production) <= set(regional.FUELS.values()):
            raise _Invalid(row)
        regions[slug] = regional.RegionalQuarterHour(
            region=slug,
            start=_quarter_hour(start),
            production={fuel: _regional(fuel, value) for fuel, value in production.items()},
            consumption=_regional('consumption', consumption),
            exchange_balance=None if exchange is None else _regional('exchange', exchange),
            # Kept positive (power drawn); the range is the feed's, where it is negative.
            pumping=None if pumping is None else -_regional('pumping', -_number(pumping)),
        )
    return regions


def _regional(series, value):
    value = _number(value)
    if not is_plausible_regional(series, value):
        raise _Invalid(value)
    return value


def _prices_to_list(days):
    return [
        [day.area, day.date.isoformat(), day.resolution.value, day.numbering.value, sorted(day.prices.items())]
        for day in days
    ]


def _prices_from_list(saved):
    if not isinstance(saved, list) or not 0 < len(saved) <= MAX_PRICE_DAYS * len(AREAS):
        raise _Invalid(saved)
    days = []
    for row in saved:
        if not isinstance(row, list) or len(row) != 5:
            raise _Invalid(row)
        area, day, resolution, numbering, prices = row
        if area not in AREAS.values() or not isinstance(prices, list) or len(prices) > MAX_PERIOD:
            raise _Invalid(row)
        area_day = AreaDay(
            area=area,
            date=_day(day),
            resolution=Resolution(resolution),  # ValueError when it is not one
            numbering=Numbering(numbering),
            prices=dict(_price(entry) for entry in prices),
        )
        if len(area_day.prices) != len(prices) or None in map(area_day.period_start, area_day.prices):
            raise _Invalid(row)  # a period twice, or one without an instant: not what the parser gives
        days.append(area_day)
    if len({(day.area, day.date) for day in days}) != len(days):
        raise _Invalid('an area-day twice')
    return tuple(days)


def _day(value):
    day = feed_day(value)
    if day is None:
        raise _Invalid(value)
    return day


def _price(entry):
    if not isinstance(entry, list) or len(entry) != 2:
        raise _Invalid(entry)
    period, price = entry
    if isinstance(period, bool) or not isinstance(period, int) or not 0 <= period < MAX_PERIOD:
        raise _Invalid(entry)
    price = _number(price)
    if not is_plausible_price(price):
        raise _Invalid(entry)
    return period, price


MAX_PRICE_DAYS = 2  # today and tomorrow
# What a reading is for each feed kept under its own key: (write, read back and check).
_READINGS = {
    feeds.ODRE: (_snapshot_to_dict, _odre_snapshot_from_dict),
    feeds.ODRE_REGIONAL: (_regions_to_list, _regions_from_list),
    feeds.MARKET: (_prices_to_list, _prices_from_list),
}
