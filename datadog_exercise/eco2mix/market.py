"""Parse RTE's day-ahead market prices (`getDonneesMarche`): bytes and the caller's `now` in, prices per bidding
area and Paris day out; and the price in force at an instant. Pure; FeedError and nothing else.

Layout (recorded): `<liste>` with five header elements, one `<donneesMarche date='YYYY-MM-DD'>` per Paris day,
one `<type v='donneesMarche' perimetre='FR' granularite='Global'>` per bidding area, `<valeur periode='N'>` in
EUR/MWh with a decimal point; `ND` when there is no price. Areas are found by `perimetre`, periods by
`periode`, never by position. The XML is read by `xmlfeed`'s hardened parser (no DTD, no entities, bounded).

Periods and clock changes. Period N of day D is hour N of the Paris day: the prices recorded have 24 periods
0-23. Since 1 October 2025 the day-ahead auction clears quarter-hours, so an area-day listing more than 25
periods is read as quarter-hours (period N = quarter-hour N), never as hours. RTE's numbering on the 23- and
25-hour days is not documented and no sample exists, so the rule is fixed here, as `slots.py` fixes it for
the mix, deterministically and for both resolutions:

- numbered by elapsed time (period N starts N hours, or quarter-hours, after local midnight) when a DST day
  lists any period past the wall-clock day (24 or more hours, 96 or more quarter-hours), or lists exactly its
  real number of periods numbered without a gap (23 or 25 hours; 92 or 100 quarter-hours);
- numbered by wall clock otherwise: on the spring day the periods of 02:00-03:00 do not exist and have no
  instant (a day of 23 periods 0, 1, 3, ..., 23 is read this way, as EPEX omits that hour); on the autumn day
  a period of 02:00-03:00 is the first occurrence (summer time) and the repeated hour has no price;
- a period outside the day has no instant and is reported.

So every price has exactly one instant and no instant has two prices; an instant without one has no price.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from functools import cached_property

from .body import MAX_BYTES, MISSING, note
from .model import FeedError
from .slots import PARIS, QUARTER_HOUR, WALL_CLOCK_SLOTS, Numbering, local_midnight, paris_day, quarter_hours_in
from .slots import slot_start as quarter_hour_start
from .values import CLOCK_TOLERANCE, UNREADABLE, Bounds, day_of, feed_number, printable, remember, shown
from .xmlfeed import _parse_tree

DAY_TAG = 'donneesMarche'
MIX_DAY_TAG = 'mixtr'
PRICE_ROW = 'donneesMarche'  # the `v` of a price row
TOTAL_ROW = 'Global'

# `perimetre` -> area tag. `DL` is the Germany-Luxembourg bidding zone (DE-LU, since the split of
# 1 October 2018): `de_lu`. `DE` is the former Germany-Austria-Luxembourg zone, `ND` all day in every answer
# recorded since; it keeps `de` should it ever carry prices. Any other code is counted and named, never a tag.
AREAS = {
    'AT': 'at',
    'BE': 'be',
    'CH': 'ch',
    'DE': 'de',
    'DL': 'de_lu',
    'ES': 'es',
    'FR': 'fr',
    'GB': 'gb',
    'IT': 'it',
    'NL': 'nl',
    'PT': 'pt',
}

# The day-ahead auction's harmonised minimum and maximum clearing prices (SDAC HMMCP, approved by ACER;
# Nord Pool: "minimum price - currently EUR -500", "maximum price - currently EUR 4000"): no area's price can
# lie outside them. They move only by an announced HMMCP step (+500 or -100 EUR/MWh); then update this.
PRICE_BOUNDS = Bounds(-500.0, 4000.0, 'EUR/MWh')

HOUR = timedelta(hours=1)
_MAX_HOURLY_PERIODS = 25  # the longest day has 25 hours
_MAX_PERIOD_DIGITS = 3  # a day has at most 100 quarter-hours


class Resolution(Enum):
    HOURLY = HOUR
    QUARTER_HOURLY = QUARTER_HOUR


@dataclass(frozen=True)
class AreaDay:
    """The prices of one bidding area for one Paris day, in EUR/MWh."""

    area: str  # a tag of AREAS
    date: date
    resolution: Resolution
    numbering: Numbering
    prices: Mapping[int, float]  # period -> price, only periods that have an instant and a price

    def period_start(self, period):
        """The UTC instant `period` starts at, or None when it has none."""
        return _period_start(self.date, self.resolution, self.numbering, period)

    def period_at(self, instant):
        """The period in force at the aware `instant`, or None (another day, the autumn repeated hour)."""
        instant = instant.astimezone(UTC)
        step = self.resolution.value
        if self.numbering is Numbering.ELAPSED:
            period = (instant - local_midnight(self.date).astimezone(UTC)) // step
        else:
            local = instant.astimezone(PARIS)
            period = (local.hour * 60 + local.minute) // (step // timedelta(minutes=1))
        start = self.period_start(period)
        return period if start is not None and start <= instant < start + step else None

    def price_at(self, instant):
        period = self.period_at(instant)
        return None if period is None else self.prices.get(period)


@dataclass(frozen=True)
class MarketPrices:
    days: tuple[AreaDay, ...]  # in (date, area) order; area-days without any price are left out
    generated_at: datetime | None = None  # `date_actuelle`, UTC
    unknown_areas: frozenset[str] = frozenset()  # perimetres not in AREAS, at most MAX_NAMES
    problems: list[str] = field(default_factory=list, compare=False)  # capped at MAX_PROBLEMS

    @cached_property
    def _by_date(self):
        by_date = {}
        for area_day in self.days:
            by_date.setdefault(area_day.date, []).append(area_day)
        return by_date

    def published_days(self):
        """The Paris days for which at least one area has a price, in order."""
        return tuple(sorted(self._by_date))


def prices_at(prices, instant):
    """{area: EUR/MWh} of the prices in force at the aware `instant`; an area without one is absent."""
    if instant.tzinfo is None:
        raise ValueError('prices_at needs an aware datetime')
    day = paris_day(instant)
    found = {}
    for area_day in prices._by_date.get(day, ()):
        price = area_day.price_at(instant)
        if price is not None:
            found[area_day.area] = price
    return found


def parse(body, *, now, max_bytes=MAX_BYTES):
    """Parse a `getDonneesMarche` answer. Days after `now`'s Paris tomorrow are not data (prices are published
    one day ahead). Raises FeedError, and nothing else, for a body that is not a market-prices answer."""
    root = _parse_tree(body, max_bytes)
    now = now.astimezone(UTC)
    last_day = paris_day(now) + timedelta(days=1)
    problems = []
    unknown_areas = set()
    seen_days = set()
    days = []
    elements = 0
    for element in root.iterchildren(DAY_TAG):
        elements += 1
        text = element.get('date')
        day = day_of(text, DAY_TAG, last_day, problems)
        if day is None:
            continue
        if day in seen_days:
            note(problems, f'day {day} appears twice; the first one is used')
            continue
        seen_days.add(day)
        days.extend(_area_days(element, day, unknown_areas, problems))
    if not elements:
        raise FeedError(_no_days_message(root))
    days.sort(key=lambda area_day: (area_day.date, area_day.area))
    return MarketPrices(
        days=tuple(days),
        generated_at=_generated_at(root, now, problems),
        unknown_areas=frozenset(unknown_areas),
        problems=problems,
    )


def _area_days(element, day, unknown_areas, problems):
    seen_areas = set()
    for row in element.iterchildren('type'):
        code = row.get('perimetre') or ''
        if row.get('v') not in (None, PRICE_ROW) or row.get('granularite') not in (None, '', TOTAL_ROW):
            note(
                problems,
                f'{day}: row v={shown(row.get("v"))} granularite={shown(row.get("granularite"))} '
                'is not a price row; ignored',
            )
            continue
        area = AREAS.get(code.strip().upper())
        if area is None:
            remember(unknown_areas, code or '(no perimetre)')
            continue
        if area in seen_areas:
            note(problems, f'{day} {area}: the area appears twice; the first one is used')
            continue
        seen_areas.add(area)
        area_day = _area_day(row, area, day, problems)
        if area_day.prices:
            yield area_day


def _area_day(row, area, day, problems):
    where = f'{day} {area}'
    present = set()  # periods listed, with or without a price
    prices = {}
    for valeur in row.iterchildren('valeur'):
        raw_period = valeur.get('periode') or ''
        if not (raw_period.isascii() and raw_period.isdigit() and len(raw_period) <= _MAX_PERIOD_DIGITS):
            note(problems, f'{where}: periode {shown(raw_period)} is not a period of the day')
            continue
        period = int(raw_period)
        if period in present:
            note(problems, f'{where}: periode {period} appears twice; the last one is used')
            prices.pop(period, None)
        present.add(period)
        text = (valeur.text or '').strip()
        if text in MISSING:
            continue
        price = feed_number(text)
        if price is UNREADABLE:
            note(problems, f'{where} periode {period}: price {shown(text)} is not a number')
        elif price not in PRICE_BOUNDS:
            note(problems, f'{where} periode {period}: price {price:g} is outside {PRICE_BOUNDS}, the auction limits')
        else:
            prices[period] = price
    resolution = Resolution.HOURLY if len(present) <= _MAX_HOURLY_PERIODS else Resolution.QUARTER_HOURLY
    numbering = _numbering(day, resolution, present)
    # Without an instant: a period past the day (reported), or a spring 02:00 of the wall clock (as expected).
    length = _periods_in(day, resolution, numbering)
    if beyond := sorted(period for period in prices if period >= length):
        note(problems, f'{where}: periode {", ".join(map(str, beyond[:5]))} outside the day; ignored')
    if beyond or quarter_hours_in(day) != WALL_CLOCK_SLOTS:
        for period in [period for period in prices if _period_start(day, resolution, numbering, period) is None]:
            del prices[period]
    return AreaDay(area, day, resolution, numbering, prices)


def _period_start(day, resolution, numbering, period):
    return quarter_hour_start(day, period * (resolution.value // QUARTER_HOUR), numbering)


def _periods_in(day, resolution, numbering):
    """How many periods the day is numbered with: 24 or 96 by wall clock; 23, 25, 92 or 100 elapsed on DST days."""
    per_period = resolution.value // QUARTER_HOUR
    if numbering is Numbering.ELAPSED:
        return quarter_hours_in(day) // per_period
    return WALL_CLOCK_SLOTS // per_period


def _numbering(day, resolution, present):
    wall_clock = _periods_in(day, resolution, Numbering.WALL_CLOCK)
    real = _periods_in(day, resolution, Numbering.ELAPSED)
    if real == wall_clock or not present:
        return Numbering.WALL_CLOCK
    highest = max(present)
    if highest >= wall_clock or (len(present) == real and highest == real - 1):
        return Numbering.ELAPSED
    return Numbering.WALL_CLOCK


def _no_days_message(root):
    if root.find(MIX_DAY_TAG) is not None:
        return (
            f'this is the éCO2mix mix or CO2 feed (<{MIX_DAY_TAG}> days, eco2mixWeb), not the market prices '
            f'(<{DAY_TAG}> days, getDonneesMarche): check the URL'
        )
    tags = sorted({printable(child.tag, 30) for child in root.iterchildren() if isinstance(child.tag, str)})
    listed = ', '.join(tags[:10]) + (', ...' if len(tags) > 10 else '')
    return f'no <{DAY_TAG}> day element in the document (children found: {listed or "none"})'


def _generated_at(root, now, problems):
    """`date_actuelle`: when RTE generated the document, in UTC; None when unreadable or after `now`."""
    text = root.findtext('date_actuelle')
    if text is None:
        return None
    try:
        generated_at = datetime.strptime(text.strip(), '%Y-%m-%d %H:%M:%S').replace(tzinfo=UTC)
    except ValueError:
        note(problems, f'date_actuelle {shown(text)} is not a date and time')
        return None
    if generated_at > now + CLOCK_TOLERANCE:
        note(problems, f'date_actuelle {generated_at:%Y-%m-%d %H:%M:%S} UTC is after now: ignored')
        return None
    return generated_at
