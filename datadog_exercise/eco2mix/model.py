"""Typed records of the éCO2mix data: documents, days, series, and the reported snapshot."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Protocol

from .labels import (
    BATTERY_CHARGING,
    BATTERY_DISCHARGING,
    CO2_INTENSITY,
    CONSUMPTION,
    EXCHANGE,
    FUELS,
    LOW_CARBON_FUELS,
    PUMPING,
    RENEWABLE_FUELS,
    SeriesKey,
)
from .reading import Tally
from .slots import QUARTER_HOUR, WALL_CLOCK_SLOTS, Numbering, numbering_of, quarter_hours_in, slot_start

ECO2MIX = 'eco2mix'
ODRE = 'odre'


class FeedError(Exception):
    """The body is not a usable éCO2mix or ODRE document; the message says what was received."""


class Series(Protocol):
    """One series of one day: a value per quarter-hour slot. Missing slots have no value (never 0)."""

    def value_at(self, slot: int) -> float | None: ...

    def latest_slot(self) -> int | None:
        """The highest slot that has a value."""
        ...

    def items(self) -> Iterator[tuple[int, float]]:
        """Every (slot, value) with a value, in slot order."""
        ...

    def highest_slot(self) -> int | None:
        """The highest slot number present, with or without a value."""
        ...

    def slot_count(self) -> int:
        """How many slots are present, with or without a value."""
        ...


@dataclass(frozen=True)
class MappedSeries:
    """A series already decoded into a mapping (the ODRE feed, tests)."""

    values: Mapping[int, float]
    present: frozenset[int] = frozenset()

    def value_at(self, slot):
        return self.values.get(slot)

    def latest_slot(self):
        return max(self.values, default=None)

    def items(self):
        return iter(sorted(self.values.items()))

    def highest_slot(self):
        slots = self.present | self.values.keys()
        return max(slots) if slots else None

    def slot_count(self):
        return len(self.present | self.values.keys())


@dataclass(frozen=True)
class Day:
    date: date
    series: Mapping[SeriesKey, Series]
    # Rows the label table does not know, by (label, granularite), their values read as plain numbers: the drift
    # diagnosis compares them with ODRE's series. Only the first few of a document are kept (xmlfeed.py).
    unknown: Mapping[tuple[str | None, str | None], Series] = field(default_factory=dict)

    @cached_property
    def numbering(self):
        if quarter_hours_in(self.date) == WALL_CLOCK_SLOTS:
            return Numbering.WALL_CLOCK  # an ordinary day: no need to look at the slots
        highest = max((slot for s in self.series.values() if (slot := s.highest_slot()) is not None), default=-1)
        count = max((s.slot_count() for s in self.series.values()), default=0)
        return numbering_of(self.date, count, highest)

    def slot_start(self, slot):
        return slot_start(self.date, slot, self.numbering)


MAX_LABELS_SEEN = 100  # the table knows about 40 rows: more distinct ones are only counted


class LabelsSeen:
    """Every distinct row of an XML answer, by (label, granularite), and how it was read (labels.xml_row): the
    first MAX_LABELS_SEEN kept, the rest counted. Labels are the feed's text, truncated to MAX_LABEL_TEXT."""

    __slots__ = ('more', 'rows')

    def __init__(self):
        self.rows = {}  # (label, granularite) -> (reading, key or None)
        self.more = 0  # distinct rows seen but not kept

    def add(self, label, granularity, reading, key):
        name = (_truncated(label), _truncated(granularity))
        if name in self.rows:
            return
        if len(self.rows) < MAX_LABELS_SEEN:
            self.rows[name] = (reading, key)
        else:
            self.more += 1


MAX_LABEL_TEXT = 100


def _truncated(text):
    return text[:MAX_LABEL_TEXT] if isinstance(text, str) else None


@dataclass(frozen=True)
class Document:
    """A parsed feed answer: its days in date order, and what the parser could not use."""

    feed: str
    days: tuple[Day, ...]
    generated_at: datetime | None = None  # éCO2mix `date_actuelle`, UTC
    # Both are found while the days are read (the XML is read lazily): look at them after using the days.
    unknown_labels: Tally = field(default_factory=Tally, compare=False)  # rows the label table does not know
    problems: Tally = field(default_factory=Tally, compare=False)  # values that could not be used
    labels: LabelsSeen = field(default_factory=LabelsSeen, compare=False)  # XML rows and how each was read


@dataclass(frozen=True)
class Snapshot:
    """The figures of one quarter-hour in which every core series is published."""

    feed: str
    start: datetime  # UTC
    values: Mapping[SeriesKey, float]

    @property
    def end(self):
        return self.start + QUARTER_HOUR

    @property
    def production(self):
        return {fuel: self.values[SeriesKey(fuel)] for fuel in FUELS}

    @property
    def production_total(self):
        return sum(self.production.values())

    @property
    def breakdown(self):
        """Every fuel's sub-technology rows."""
        return {key: value for key, value in self.values.items() if key.series in FUELS and key.qualifier}

    @property
    def pumping(self):
        """Power drawn by pumped storage, positive (the feed publishes it negative)."""
        return -self.values[PUMPING]

    @property
    def exchange_balance(self):
        """Positive when France imports, negative when it exports."""
        return self.values[EXCHANGE]

    @property
    def consumption(self):
        return self.values[CONSUMPTION]

    @property
    def co2_intensity(self):
        return self.values.get(CO2_INTENSITY)

    @property
    def battery_charging(self):
        """Power drawn by batteries, positive (the feed publishes it negative), or None."""
        value = self.values.get(BATTERY_CHARGING)
        return None if value is None else 0.0 - value  # 0.0 - x: a battery at rest is 0, not -0

    @property
    def battery_discharging(self):
        return self.values.get(BATTERY_DISCHARGING)

    def share(self, fuels):
        """Percent of total production made by `fuels`, or None when it is not a percentage.

        Fuels may dip a little below zero (plausible.py), so a share can leave 0-100 %: it is then absent.
        """
        total = self.production_total
        if total <= 0:
            return None
        share = 100.0 * sum(self.production[fuel] for fuel in fuels) / total
        return share if 0.0 <= share <= 100.0 else None

    @property
    def renewable_share(self):
        return self.share(RENEWABLE_FUELS)

    @property
    def low_carbon_share(self):
        return self.share(LOW_CARBON_FUELS)


__all__ = [
    'ECO2MIX',
    'ODRE',
    'Day',
    'Document',
    'FeedError',
    'LabelsSeen',
    'MappedSeries',
    'Numbering',
    'Series',
    'Snapshot',
]
