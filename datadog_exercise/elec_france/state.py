"""What the check keeps between runs, in the Agent's persistent cache (so a restart does not refetch).

The cache is a file on the host: it is read as hostile as a feed. Every field is checked on load for
type, finiteness and range; any JSON at all gives either a valid state or a fresh start, never an
exception and never a value the check would not have written itself.
"""

import json
import math
from dataclasses import dataclass
from datetime import datetime

from datadog_exercise.eco2mix.labels import CO2_INTENSITY, CORE_SERIES, KNOWN_SERIES, SeriesKey
from datadog_exercise.eco2mix.model import ECO2MIX, ODRE, Snapshot
from datadog_exercise.eco2mix.plausible import is_plausible
from datadog_exercise.eco2mix.reading import MAX_INSTANT_TEXT, in_range

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
    last_error: str | None = None

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
            if not isinstance(text, str) or len(text) > MAX_TEXT:
                raise _Invalid
            saved = json.loads(text, parse_constant=_refuse)
            if not isinstance(saved, dict) or saved.get('format') != FORMAT:
                raise _Invalid
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


def _snapshot_to_dict(snapshot):
    return {
        'feed': snapshot.feed,
        'start': snapshot.start.isoformat(),
        'values': [[key.series, key.technology, value] for key, value in snapshot.values.items()],
    }


def _snapshot_from_dict(saved):
    if not isinstance(saved, dict) or saved.get('feed') not in (ECO2MIX, ODRE):
        raise _Invalid(saved)
    rows = _field(saved, 'values')
    if not isinstance(rows, list) or len(rows) > len(KNOWN_SERIES):
        raise _Invalid(rows)
    values = {}
    for row in rows:
        if not isinstance(row, list) or len(row) != 3:
            raise _Invalid(row)
        series, technology, value = row
        if not isinstance(series, str) or not (technology is None or isinstance(technology, str)):
            raise _Invalid(row)
        key = SeriesKey(series, technology)
        value = _number(value)
        if key not in KNOWN_SERIES or key in values or not is_plausible(key, value):
            raise _Invalid(row)
        values[key] = value
    if not set(CORE_SERIES) <= values.keys():
        raise _Invalid('a snapshot holds every core series')
    return Snapshot(saved['feed'], _quarter_hour(_field(saved, 'start')), values)
