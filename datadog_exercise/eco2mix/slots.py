"""Quarter-hour slots of an éCO2mix day, and the instant each one starts.

Slot N of day D is Paris wall-clock `D 00:00 + N x 15 min`. Days when clocks change have 92
(spring) or 100 (autumn) quarter-hours of real time, and RTE's numbering on those days is not
documented, so the rule is fixed here, deterministically:

- A day numbered by wall clock (up to 96 slots): a slot whose local time does not exist (spring,
  02:00-02:45) has no instant and is skipped; a local time that occurs twice (autumn, 02:00-02:45)
  is its first occurrence (summer time).
- A DST day whose slots are exactly 0 to n-1, n being its quarter-hours of real time (92 or 100),
  or that has any slot numbered 96 or more, is numbered by elapsed time: slot N starts N x 15 min
  after local midnight, so every real quarter-hour has exactly one slot. (A spring day of 92 slots
  with a gap at 8-11 is numbered by wall clock: it skips the hour that does not exist.)
- A slot outside the day has no instant.

The market prices follow the same rule with periods of an hour (23 or 25 on DST days): a period of
k quarter-hours is the slot of its first quarter-hour, k x N.
"""

from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

PARIS = ZoneInfo('Europe/Paris')
QUARTER_HOUR = timedelta(minutes=15)
WALL_CLOCK_SLOTS = 96
MAX_SLOTS = 100  # the autumn change day, numbered by elapsed time: no slot number is 100 or more


class Numbering(Enum):
    WALL_CLOCK = 'wall_clock'
    ELAPSED = 'elapsed'


def local_midnight(day):
    return datetime.combine(day, time(), tzinfo=PARIS)


def quarter_hours_in(day):
    """Quarter-hours of real time in a Paris day: 96, or 92/100 when the clocks change."""
    start = local_midnight(day).astimezone(UTC)
    end = local_midnight(day + timedelta(days=1)).astimezone(UTC)
    return int((end - start) / QUARTER_HOUR)


def numbering_of(day, count, highest, quarter_hours_per_period=1):
    """How a day's periods are numbered, from how many are present and the highest number present."""
    wall_clock = WALL_CLOCK_SLOTS // quarter_hours_per_period
    length = quarter_hours_in(day) // quarter_hours_per_period
    if length == wall_clock:
        return Numbering.WALL_CLOCK
    if highest >= wall_clock or (count == length and highest == length - 1):
        return Numbering.ELAPSED
    return Numbering.WALL_CLOCK


def slot_start(day, slot, numbering=Numbering.WALL_CLOCK):
    """The UTC instant slot `slot` of `day` starts at, or None when it has none."""
    if numbering is Numbering.ELAPSED:
        if not 0 <= slot < quarter_hours_in(day):
            return None
        return local_midnight(day).astimezone(UTC) + slot * QUARTER_HOUR
    if not 0 <= slot < WALL_CLOCK_SLOTS:
        return None
    wall = datetime.combine(day, time()) + slot * QUARTER_HOUR
    local = wall.replace(tzinfo=PARIS, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(PARIS).replace(tzinfo=None) != wall:
        return None  # skipped by the spring change
    return instant


def paris_day(instant):
    """The Paris calendar day an aware instant falls in."""
    return instant.astimezone(PARIS).date()


def as_date(text):
    return date.fromisoformat(text)
