"""The values a series can plausibly take: a reading outside its range is not a reading.

Ranges come from RTE's published figures (Bilan électrique 2023: installed capacity at the end of
2023, and the records of the éCO2mix history), widened so that the fleet's growth over the next years
stays inside: they are there to refuse what cannot be (1e307 MW of nuclear, -50 GW of solar), not to
judge a surprising quarter-hour. Production may dip 1 GW below zero: RTE's figures are net, and a
wrongly refused quarter-hour costs data. A breakdown row takes its fuel's range.

Every feed's ranges are here: the national series, a region's, and the day-ahead prices.
"""

from .labels import SeriesKey

MEGAWATT_RANGES = {
    'nuclear': (-1_000, 70_000),  # 61.4 GW installed, Flamanville 3 adds 1.6 GW
    'coal': (-1_000, 10_000),  # 1.8 GW installed (7.9 GW in 2012)
    'gas': (-1_000, 25_000),  # 12.6 GW installed
    'oil': (-1_000, 10_000),  # about 3 GW installed, peaking turbines included
    'hydro': (-1_000, 30_000),  # 25.7 GW installed
    'wind': (-1_000, 60_000),  # 22.9 GW installed, onshore and offshore, growing about 2 GW a year
    'solar': (-1_000, 100_000),  # 19 GW installed, growing about 5 GW a year
    'bioenergy': (-1_000, 10_000),  # 2.2 GW installed
    'pumping': (-10_000, 1_000),  # about 5 GW of pumps, published negative
    'exchange': (-40_000, 40_000),  # interconnections: about 20 GW of exports, 15 GW of imports at most
    'consumption': (10_000, 150_000),  # record 102.1 GW (8 February 2012), summer nights about 28 GW
    'consumption_forecast': (10_000, 150_000),  # a forecast of the consumption above
    'commercial_exchange': (-15_000, 15_000),  # one border; the largest (Germany-Belgium) carries about 6 GW
    'battery_charging': (-10_000, 1_000),  # about 1 GW of batteries in 2024; published negative
    'battery_discharging': (-1_000, 10_000),
}
CO2_RANGE = (0, 1_000)  # gCO2/kWh: France runs at 10-150; 1000 is what a coal plant alone emits

RANGES = {**MEGAWATT_RANGES, 'co2_intensity': CO2_RANGE}


# One region (ODRE's eco2mix-regional-tr): no region produces more of a fuel than France's whole fleet
# of it; `thermal` is gas, coal and oil together. A region's consumption has no floor of its own (the
# smallest use about 1 GW at night), and its exchange balance (consumption minus production and pumping,
# positive when it imports) can be most of the country's production.
REGIONAL_RANGES = {
    **{fuel: MEGAWATT_RANGES[fuel] for fuel in ('nuclear', 'hydro', 'wind', 'solar', 'bioenergy', 'pumping')},
    'thermal': (-1_000, 45_000),  # the national coal, gas and oil ranges together
    'consumption': (0, 150_000),
    'exchange': (-150_000, 150_000),
}

# EUR/MWh. The day-ahead auction's harmonised limits are -500 and +4000 (SDAC, 2024), raised in steps when
# prices come near them; Great Britain's auction (N2EX, in GBP) has a floor of about -600 EUR.
PRICE_RANGE = (-1_000, 10_000)


def plausible_range(key: SeriesKey):
    """(lowest, highest) for a series, or None for a series this project does not know."""
    return RANGES.get(key.series)


def is_plausible(key: SeriesKey, value: float):
    bounds = plausible_range(key)
    return bounds is not None and bounds[0] <= value <= bounds[1]


def is_plausible_regional(series: str, value: float):
    bounds = REGIONAL_RANGES.get(series)
    return bounds is not None and bounds[0] <= value <= bounds[1]


def is_plausible_price(value: float):
    return PRICE_RANGE[0] <= value <= PRICE_RANGE[1]
