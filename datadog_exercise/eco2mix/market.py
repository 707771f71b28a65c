"""Parse RTE's day-ahead market prices (`getDonneesMarche`): bytes in, prices per bidding area and Paris day out;
and the price in force at an instant. Pure; FeedError and nothing else, for any byte string.

Layout (recorded): `<liste>` with five header elements, one `<donneesMarche date='YYYY-MM-DD'>` per Paris day,
one `<type v='donneesMarche' perimetre='FR' granularite='Global'>` per bidding area, `<valeur periode='N'>` in
EUR/MWh with a decimal point; `ND` when there is no price. Areas are found by `perimetre`, periods by
`periode`, never by position; the XML is read by the hardened parser every feed uses (body.py).

Periods and clock changes. Period N of day D is hour N of the Paris day: the prices recorded have 24 periods
0-23. Since 1 October 2025 the day-ahead auction clears quarter-hours, so an area-day listing more than 25
periods is read as quarter-hours (period N = quarter-hour N), never as hours. RTE's numbering on the 23- and
25-hour days is not documented and no sample exists, so the rule is the one `slots.py` fixes for the mix,
with hours for quarter-hours:

- numbered by elapsed time (period N starts N hours, or quarter-hours, after local midnight) when a DST day
  lists any period past the wall-clock day (24 or more hours, 96 or more quarter-hours), or lists exactly
  periods 0 to n-1, n being its real number of periods (23 or 25 hours; 92 or 100 quarter-hours);
- numbered by wall clock otherwise: on the spring day the periods of 02:00-03:00 do not exist and have no
  instant (a day of 23 periods 0, 1, 3, ..., 23 is read this way, as EPEX numbers its products); on the autumn
  day a period of 02:00-03:00 is the first occurrence (summer time) and the repeated hour has no price;
- a period outside the day has no instant and is reported.

So every price has exactly one instant and no instant has two prices; an instant without one has no price.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from enum import Enum

from .body import MAX_BYTES, MISSING
from .plausible import PRICE_RANGE, is_plausible_price
from .reading import Tally, feed_number, shown
from .slots import (
    PARIS,
    QUARTER_HOUR,
    WALL_CLOCK_SLOTS,
    Numbering,
    local_midnight,
    numbering_of,
    paris_day,
    quarter_hours_in,
    slot_start,
)
from .xmlfeed import DAY_TAG as MIX_DAY_TAG
from .xmlfeed import day_elements, liste

DAY_TAG = 'donneesMarche'
PRICE_ROW = 'donneesMarche'  # the `v` of a price row
TOTAL_ROW = 'Global'
OTHER_FEED = (
    f'the éCO2mix mix or CO2 feed (<{MIX_DAY_TAG}> days, eco2mixWeb), not the market prices '
    f'(<{DAY_TAG}> days, getDonneesMarche)'
)

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
MAX_HOURLY_PERIODS = 25  # the longest day has 25 hours
MAX_PERIOD = WALL_CLOCK_SLOTS + 4  # a day has at most 100 quarter-hours: no period number is 100 or more


class Resolution(Enum):
    """How long one period lasts: an hour, or a quarter-hour (the auction's unit since 1 October 2025)."""

    HOURLY = 'hourly'
    QUARTER_HOURLY = 'quarter_hourly'

    @property
    def quarter_hours(self):
        return 4 if self is Resolution.HOURLY else 1

    @property
    def length(self):
        return self.quarter_hours * QUARTER_HOUR


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
        return slot_start(self.date, period * self.resolution.quarter_hours, self.numbering)

    def period_at(self, instant):
        """The period in force at the aware `instant`, or None (another day, the autumn repeated hour)."""
        instant = instant.astimezone(UTC)
        length = self.resolution.length
        if self.numbering is Numbering.ELAPSED:
            period = (instant - local_midnight(self.date).astimezone(UTC)) // length
        else:
            local = instant.astimezone(PARIS)
            period = (local.hour * 60 + local.minute) // (length // timedelta(minutes=1))
        if not 0 <= period < MAX_PERIOD:
            return None
        start = self.period_start(period)
        return period if start is not None and start <= instant < start + length else None

    def price_at(self, instant):
        period = self.period_at(instant)
        return None if period is None else self.prices.get(period)


@dataclass(frozen=True)
class MarketPrices:
    days: tuple[AreaDay, ...]  # in (date, area) order; area-days without any price are left out
    unknown_areas: Tally = field(default_factory=Tally, compare=False)  # perimetres not in AREAS
    problems: Tally = field(default_factory=Tally, compare=False)  # prices that could not be used

    def published_days(self):
        """The Paris days for which at least one area has a price, in order."""
        return tuple(sorted({area_day.date for area_day in self.days}))


def prices_at(days, instant):
    """{area: EUR/MWh} of the prices in force at the aware `instant` among `days` (AreaDays); an area without one
    is absent."""
    today = paris_day(instant)
    found = {}
    for area_day in days:
        if area_day.date == today and (price := area_day.price_at(instant)) is not None:
            found[area_day.area] = price
    return found


def parse(body, max_bytes=MAX_BYTES):
    """Parse a `getDonneesMarche` answer. Raises FeedError, and nothing else, for anything that is not one."""
    root = liste(body, max_bytes, 'éCO2mix market-prices XML')
    unknown = Tally()
    problems = Tally()
    days = [
        area_day
        for day, element in day_elements(root, DAY_TAG, {MIX_DAY_TAG: OTHER_FEED}, problems)
        for area_day in _area_days(element, day, unknown, problems)
    ]
    days.sort(key=lambda area_day: (area_day.date, area_day.area))
    return MarketPrices(days=tuple(days), unknown_areas=unknown, problems=problems)


def _area_days(element, day, unknown, problems):
    seen = set()
    for row in element.iterchildren('type'):
        code = row.get('perimetre') or ''
        if row.get('v') not in (None, PRICE_ROW) or row.get('granularite') not in (None, '', TOTAL_ROW):
            problems.add(
                f'{day}: row v={shown(row.get("v"))} granularite={shown(row.get("granularite"))} '
                'is not a price row; ignored'
            )
            continue
        area = AREAS.get(code.strip().upper())
        if area is None:
            unknown.add(shown(code))
            continue
        if area in seen:
            problems.add(f'{day} {area}: the area appears twice; the first one is used')
            continue
        seen.add(area)
        area_day = _area_day(row, area, day, problems)
        if area_day.prices:
            yield area_day


def _area_day(row, area, day, problems):
    where = f'{day} {area}'
    present = set()  # periods listed, with or without a price
    prices = {}
    for valeur in row.iterchildren('valeur'):
        raw = valeur.get('periode') or ''
        # At most three ASCII digits: int() would take '١٢', ' 12' or a 5000-digit number.
        period = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else None
        if period is None or period >= MAX_PERIOD:
            problems.add(f'{where}: periode {shown(raw)} is not a period of the day')
            continue
        if period in present:
            problems.add(f'{where}: periode {period} appears twice; the last one is used')
            prices.pop(period, None)
        present.add(period)
        text = (valeur.text or '').strip()
        if text in MISSING:
            continue
        price = feed_number(text)
        if price is None:
            problems.add(f'{where} periode {period}: price {shown(text)} is not a number')
        elif not is_plausible_price(price):
            low, high = PRICE_RANGE
            problems.add(f'{where} periode {period}: price {price:g} is outside {low}..{high} EUR/MWh')
        else:
            prices[period] = price
    resolution = Resolution.HOURLY if len(present) <= MAX_HOURLY_PERIODS else Resolution.QUARTER_HOURLY
    numbering = numbering_of(day, len(present), max(present, default=-1), resolution.quarter_hours)
    area_day = AreaDay(area, day, resolution, numbering, prices)
    day_end = WALL_CLOCK_SLOTS if numbering is Numbering.WALL_CLOCK else quarter_hours_in(day)
    if quarter_hours_in(day) == WALL_CLOCK_SLOTS and max(prices, default=0) * resolution.quarter_hours < day_end:
        return area_day  # an ordinary day whose periods are all in it: each has an instant
    # Without an instant: a period past the day (reported), or the spring change's 02:00 on the wall clock.
    no_instant = sorted(period for period in prices if area_day.period_start(period) is None)
    if outside := [period for period in no_instant if period * resolution.quarter_hours >= day_end]:
        problems.add(f'{where}: periode {", ".join(map(str, outside[:5]))} outside the day; ignored')
    for period in no_instant:
        del prices[period]
    return area_day
