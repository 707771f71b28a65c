"""How every feed parser reads what a feed sends: the parser contract's shared helpers.

A feed's numbers, days, instants and labels come from outside. Each is read strictly (ASCII digits,
ISO 8601, no exponent, no `inf`), within a range this project chose, so that no later arithmetic can
overflow; shown in a message only truncated; and what cannot be used is tallied in a capped list.
None of these raise: a value that cannot be read is None, and the parser says why.
"""

import re
from datetime import UTC, date, datetime

MAX_SHOWN = 40  # characters of a feed's text quoted in a message
MAX_MESSAGE = 300  # characters of one problem message
MAX_TALLIED = 20  # problems or labels named; the rest are only counted

# Days a feed may speak of: éCO2mix's archive starts in 2012 (its `date_minimale_calendrier`); the far
# end only keeps date arithmetic (UTC offsets, the next day) clear of datetime's year 9999.
FIRST_DAY = date(2012, 1, 1)
LAST_DAY = date(9998, 12, 31)

# A decimal number as the feeds write it: no exponent, no `inf`/`nan`, no digit grouping, ASCII only
# (`int()` and `float()` would take `'١٢'`, `'1_000'` and `'1e308'`).
_NUMBER = re.compile(r'[+-]?[0-9]{1,15}(?:\.[0-9]{1,15})?')
_DAY = re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2}')
MAX_NUMBER = 10**15  # larger integers (ODRE sends JSON numbers) are not a reading
MAX_INSTANT_TEXT = 64


def feed_number(raw):
    """A finite float from a feed's text or JSON number, or None when it is not a plain decimal number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return float(raw) if -MAX_NUMBER <= raw <= MAX_NUMBER else None
    if isinstance(raw, float):
        return raw if -MAX_NUMBER <= raw <= MAX_NUMBER else None  # also refuses inf and nan
    if isinstance(raw, str) and _NUMBER.fullmatch(text := raw.strip()):
        return float(text)
    return None


def feed_day(text):
    """The day of a `YYYY-MM-DD` text between FIRST_DAY and LAST_DAY, or None."""
    if not isinstance(text, str) or not _DAY.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def in_range(instant):
    """Whether an aware or naive datetime falls on a day the feeds may speak of."""
    return FIRST_DAY <= instant.date() <= LAST_DAY


def feed_instant(text):
    """(UTC instant, None) from an ISO 8601 text with a UTC offset, or (None, why it is not one)."""
    if not isinstance(text, str) or len(text) > MAX_INSTANT_TEXT:
        return None, 'is not an ISO 8601 date and time'
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        return None, 'is not an ISO 8601 date and time'
    if local.tzinfo is None:
        return None, 'has no UTC offset'
    if not in_range(local):  # checked before converting: astimezone() overflows at the ends of datetime's range
        return None, f'is not between {FIRST_DAY} and {LAST_DAY}'
    return local.astimezone(UTC), None


def shown(value, limit=MAX_SHOWN):
    """`value` as it may appear in a message: quoted and truncated text, a bounded number, or its type."""
    if isinstance(value, str):
        return repr(value[:limit]) + ('...' if len(value) > limit else '')
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        # repr() of a 5000-digit integer raises ValueError (the interpreter's digit limit)
        return repr(value) if -MAX_NUMBER <= value <= MAX_NUMBER else f'an integer of {value.bit_length()} bits'
    if isinstance(value, float):
        return repr(value)
    return f'a {type(value).__name__}'


def excerpt(value, limit=MAX_SHOWN):
    """A feed's text as prose in a message (an error it reports, a tag name): unquoted, on one line, truncated."""
    if not isinstance(value, str):
        return shown(value)
    text = ' '.join(value.split())
    return text[:limit] + ('...' if len(text) > limit else '')


class Tally:
    """Every occurrence counted, the first MAX_TALLIED distinct ones kept: what a hostile body cannot grow."""

    __slots__ = ('count', 'first', 'more')

    def __init__(self):
        self.count = 0
        self.first = []
        self.more = False  # distinct ones were left unnamed

    def add(self, item):
        self.count += 1
        item = item[:MAX_MESSAGE]
        if item not in self.first:
            if len(self.first) < MAX_TALLIED:
                self.first.append(item)
            else:
                self.more = True

    def __bool__(self):
        return self.count > 0

    def __repr__(self):
        return f'Tally(count={self.count}, first={self.first!r}, more={self.more})'
