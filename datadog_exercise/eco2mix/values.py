"""One figure from a feed: a finite number or nothing, within a plausible range, shown safely in a message.

Shared by the parsers of the market prices, the regional records and the national details. Nothing here
raises on a value received: what is not a usable number is `UNREADABLE`, never an exception and never 0.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from .body import MISSING, note

# A period that ends more than this after the caller's `now` is not data: the host's clock and RTE's may
# differ a little, and a quarter-hour is published once it has ended.
CLOCK_TOLERANCE = timedelta(minutes=5)

# No éCO2mix feed has a day before this one (its own `date_minimale_calendrier`; the market feed's is
# 2014-12-01). Days outside [EARLIEST_DAY, tomorrow] are refused before any date arithmetic is done on them.
EARLIEST_DAY = date(2012, 1, 1)

# Power that is never negative (a production, a battery discharging) may still be published a little
# below zero: idle plants' own consumption. A sign error or a unit mistake is thousands of MW away.
NEAR_ZERO_MW = 100.0

# Past this many, further unknown names are counted but not named: a hostile answer cannot grow a message.
MAX_NAMES = 20


class _Unreadable:
    """A value that is present but is not a finite number (text, `NaN`, an overflowing integer, an object)."""

    __slots__ = ()

    def __repr__(self):
        return 'UNREADABLE'


UNREADABLE = _Unreadable()


def feed_number(raw):
    """A finite float; None when the feed marks the value missing (null, `ND`, `-`, empty); else UNREADABLE."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if text in MISSING:
            return None
        if not text.isascii():  # float() also reads other scripts' digits, which RTE never writes
            return UNREADABLE
        try:
            value = float(text)
        except ValueError:
            return UNREADABLE
    elif isinstance(raw, bool):
        return UNREADABLE
    elif isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:  # a JSON integer of hundreds of digits
            return UNREADABLE
    else:
        return UNREADABLE
    return value if math.isfinite(value) else UNREADABLE


def shown(raw, limit=40):
    """A value received from a feed as a message may quote it: short, escaped, whatever its type."""
    if isinstance(raw, str):
        return repr(raw[:limit]) + ('...' if len(raw) > limit else '')
    if isinstance(raw, int) and not isinstance(raw, bool) and raw.bit_length() > 128:
        if raw.bit_length() > 10_000:  # str() refuses more than 4300 digits
            return f'an integer of {raw.bit_length()} bits'
        return f'an integer of {len(str(abs(raw)))} digits'
    if raw is None or isinstance(raw, bool | int | float):
        return repr(raw)
    return f'a JSON {"object" if isinstance(raw, dict) else "array" if isinstance(raw, list) else "value"}'


@dataclass(frozen=True)
class Bounds:
    """The plausible range of one series, in the feed's own sign convention."""

    low: float
    high: float
    unit: str = 'MW'

    def __contains__(self, value):
        return self.low <= value <= self.high

    def __str__(self):
        return f'{self.low:g}..{self.high:g} {self.unit}'


def printable(text, limit=60):
    """A name received from a feed, fit for a warning: at most `limit` characters, non-printable ones as `?`."""
    cleaned = ''.join(char if char.isprintable() else '?' for char in text[:limit])
    return cleaned + ('...' if len(text) > limit else '')


def remember(names, name):
    """Add an unknown name to the set `names` while it holds fewer than MAX_NAMES."""
    if len(names) < MAX_NAMES:
        names.add(printable(name))


def day_of(text, tag, last_day, problems):
    """The date of a day element `<tag date=...>`, or None (noted) when it is not a day RTE can have published:
    from EARLIEST_DAY to `last_day` (the caller's tomorrow, Paris time), the only days date arithmetic is done on."""
    try:
        day = date.fromisoformat(text or '')
    except ValueError:
        note(problems, f'day element <{tag}> has an invalid date {shown(text)}')
        return None
    if not EARLIEST_DAY <= day <= last_day:
        note(problems, f'day {day} is outside {EARLIEST_DAY}..{last_day} (tomorrow): not data')
        return None
    return day
