"""The metrics of a reading: names, values and the tags that tell them apart. Pure.

Readings are plausible (eco2mix/plausible.py) and shares are percentages or absent; a figure that is not
finite is left out all the same, so that nothing but a number ever reaches Datadog. Tag values come from
the project's own tables (fuels, technologies, borders, regions, areas), never from a feed.
"""

import math

from datadog_exercise.eco2mix.labels import BREAKDOWN_SERIES, COMMERCIAL_EXCHANGES, FORECASTS, WIND_SPLIT

# What a snapshot reports, by option: the national mix always, the forecasts (`forecasts`), and what ODRE
# alone publishes nationally (`grid_details`).
MIX = 'mix'
FORECAST = 'forecasts'
DETAILS = 'details'


def snapshot_metrics(snapshot, parts=(MIX,)):
    """(name without the `elec_france.` prefix, value, extra tags) for every figure of `parts` the snapshot has."""
    metrics = []
    if MIX in parts:
        metrics += [('production', value, [f'fuel:{fuel}']) for fuel, value in snapshot.production.items()]
        metrics.append(('production.total', snapshot.production_total, []))
        metrics += _breakdown(snapshot, BREAKDOWN_SERIES)
        metrics += [
            ('pumping', snapshot.pumping, []),
            ('exchange.balance', snapshot.exchange_balance, []),
            ('consumption', snapshot.consumption, []),
        ]
        if snapshot.co2_intensity is not None:
            metrics.append(('co2_intensity', snapshot.co2_intensity, []))
        shares = (('share.low_carbon', snapshot.low_carbon_share), ('share.renewable', snapshot.renewable_share))
        metrics += [(name, share, []) for name, share in shares if share is not None]
    if FORECAST in parts:
        metrics += [
            ('consumption.forecast', snapshot.values[key], [f'horizon:{key.qualifier}'])
            for key in FORECASTS
            if key in snapshot.values
        ]
    if DETAILS in parts:
        metrics += [
            ('exchange.commercial', snapshot.values[key], [f'border:{key.qualifier}'])
            for key in COMMERCIAL_EXCHANGES
            if key in snapshot.values
        ]
        for name, value in (
            ('battery.charging', snapshot.battery_charging),
            ('battery.discharging', snapshot.battery_discharging),
        ):
            if value is not None:
                metrics.append((name, value, []))
        metrics += _breakdown(snapshot, WIND_SPLIT)
    return _finite(metrics)


def regional_metrics(quarter_hour):
    """The figures of one region's quarter-hour, each tagged with its region."""
    region = f'region:{quarter_hour.region}'
    production = sorted(quarter_hour.production.items())
    metrics = [('region.production', value, [region, f'fuel:{fuel}']) for fuel, value in production]
    metrics.append(('region.consumption', quarter_hour.consumption, [region]))
    if quarter_hour.exchange_balance is not None:
        metrics.append(('region.exchange.balance', quarter_hour.exchange_balance, [region]))
    if quarter_hour.pumping is not None:
        metrics.append(('region.pumping', quarter_hour.pumping, [region]))
    return _finite(metrics)


def price_metrics(prices):
    """The day-ahead price in force in each area ({area: EUR/MWh})."""
    return _finite([('price.day_ahead', price, [f'area:{area}']) for area, price in sorted(prices.items())])


def _breakdown(snapshot, keys):
    return [
        ('production.breakdown', value, [f'fuel:{key.series}', f'technology:{key.qualifier}'])
        for key, value in sorted(snapshot.breakdown.items())
        if key in keys
    ]


def _finite(metrics):
    return [(name, value, tags) for name, value, tags in metrics if math.isfinite(value)]
