"""The dashboards: the exercise's timeboard and the three France electricity dashboards.

Each is found again by the identity its description carries (see ownership.py), whatever its title:
retitling one here, or in the UI, updates it in place. A new dashboard is one more builder with its own
key, added to `dashboards()`.
"""

from datadog_api_client.v1.model.dashboard import Dashboard
from datadog_api_client.v1.model.dashboard_layout_type import DashboardLayoutType

from ..eco2mix.labels import FUELS
from ..eco2mix.regional import REGIONS
from . import ownership
from .widgets import (
    AREA,
    BARS,
    formula,
    metric,
    query_value,
    timeseries,
    timeseries_of,
    timeseries_two_axes,
    toplist,
)

EXERCISE_TIMEBOARD = 'Datadog exercise: my_metric and MySQL'
ELECTRICITY_OVERVIEW = 'France electricity: overview'
PRODUCTION_DETAIL = 'France electricity: production detail'
ELECTRICITY_REGIONS = 'France electricity: regions'

OVERWRITTEN = 'Changes made in the UI are overwritten by the next apply.'


def exercise_timeboard(host):
    """my_metric on one host, MySQL CPU time against its anomaly band, and my_metric summed per hour."""
    widgets = [
        timeseries_of(f'my_metric on {host}', f'avg:my_metric{{host:{host}}}'),
        timeseries(
            'MySQL CPU time, with the anomaly band (basic, 2 deviations)',
            [metric('query1', 'avg:mysql.performance.cpu_time{*}')],
            # The quotes around 'basic' are part of the query language: without them the API answers
            # "Rule 'scope_expr' didn't match" (what the exercise's shell-quoted curl call ran into).
            [formula("anomalies(query1, 'basic', 2)")],
        ),
        timeseries_of('my_metric summed per hour', 'sum:my_metric{*}.rollup(sum, 3600)', BARS),
    ]
    return dashboard(
        'exercise_timeboard', EXERCISE_TIMEBOARD, 'The Datadog hands-on exercise: my_metric and MySQL.', widgets
    )


# The elec_france gauges carry one national value. `avg` across sources keeps that value when more
# than one Agent, or both feeds, report it; `sum` would double it.


def electricity_overview(freshness):
    widgets = [
        timeseries_of('Production by fuel (MW)', 'avg:elec_france.production{*} by {fuel}', AREA),
        timeseries(
            'Consumption against total production (MW)',
            [
                metric('consumption', 'avg:elec_france.consumption{*}'),
                metric('production', 'avg:elec_france.production.total{*}'),
            ],
            [formula('consumption', 'consumption'), formula('production', 'total production')],
        ),
        timeseries_of('Exchange balance (MW, positive = imports)', 'avg:elec_france.exchange.balance{*}', BARS),
        timeseries_of('CO2 intensity (gCO2/kWh)', 'avg:elec_france.co2_intensity{*}'),
        timeseries(
            'Low-carbon and renewable shares of production (%)',
            [
                metric('low_carbon', 'avg:elec_france.share.low_carbon{*}'),
                metric('renewable', 'avg:elec_france.share.renewable{*}'),
            ],
            [formula('low_carbon', 'low-carbon'), formula('renewable', 'renewable')],
            yaxis=(0, 100),
        ),
        query_value(
            'Data age (s)',
            # The freshest report wins: the data is only stale when every source is.
            'min:elec_france.data.age{*}',
            'last',
            # Green while no publication was missed, red where the freshness monitor warns, and no colour
            # (late) in between: rules that never overlap, since Datadog does not say which of two wins.
            [('<=', freshness.late, 'white_on_green'), ('>', freshness.warning, 'white_on_red')],
        ),
        timeseries(
            'Consumption: forecast against actual (MW)',
            [
                metric('actual', 'avg:elec_france.consumption{*}'),
                metric('day_ahead', 'avg:elec_france.consumption.forecast{horizon:day_ahead}'),
                metric('intraday', 'avg:elec_france.consumption.forecast{horizon:intraday}'),
            ],
            [formula('actual', 'actual'), formula('day_ahead', 'day-ahead forecast'), formula('intraday', 'intraday')],
        ),
        timeseries_of(
            'Commercial exchanges by border (MW, positive = imports)',
            'avg:elec_france.exchange.commercial{*} by {border}',
        ),
        # Cheap power when the grid is clean? The price in France (left) against the CO2 intensity (right).
        timeseries_two_axes(
            'Day-ahead price in France against CO2 intensity',
            ('price', 'avg:elec_france.price.day_ahead{area:fr}', 'EUR/MWh, France'),
            ('co2', 'avg:elec_france.co2_intensity{*}', 'gCO2/kWh'),
        ),
        timeseries_of('Day-ahead price by bidding area (EUR/MWh)', 'avg:elec_france.price.day_ahead{*} by {area}'),
        # The check's comparison of éCO2mix with ODRE's copy of the same figures: 0 while they agree.
        query_value(
            'Series where eCO2mix and ODRE differ',
            'max:elec_france.feed.mismatches{*}',
            'last',
            [('<=', 0, 'white_on_green'), ('>', 0, 'white_on_red')],
        ),
    ]
    return dashboard(
        'electricity_overview',
        ELECTRICITY_OVERVIEW,
        "France's electricity mix from RTE eCO2mix, reported by the elec_france check.",
        widgets,
    )


def production_detail():
    widgets = [
        timeseries_of(f'{fuel.capitalize()} (MW)', f'avg:elec_france.production{{fuel:{fuel}}}') for fuel in FUELS
    ]
    widgets += [
        timeseries_of(
            'Hydro by technology (MW)', 'avg:elec_france.production.breakdown{fuel:hydro} by {technology}', AREA
        ),
        timeseries_of('Pumped-storage pumping (MW)', 'avg:elec_france.pumping{*}'),
        toplist('Fuels, latest production (MW)', 'avg:elec_france.production{*} by {fuel}', 'last', len(FUELS)),
        timeseries_of(
            'Wind, onshore and offshore (MW)', 'avg:elec_france.production.breakdown{fuel:wind} by {technology}', AREA
        ),
        timeseries(
            'Batteries (MW)',
            [
                metric('charging', 'avg:elec_france.battery.charging{*}'),
                metric('discharging', 'avg:elec_france.battery.discharging{*}'),
            ],
            [formula('charging', 'charging'), formula('discharging', 'discharging')],
        ),
    ]
    return dashboard(
        'production_detail',
        PRODUCTION_DETAIL,
        'Production of each fuel, the hydro and wind breakdowns, pumping and batteries.',
        widgets,
    )


def electricity_regions():
    """Consumption per region, and each region's production by fuel (elec_france with `regions`)."""
    widgets = [
        timeseries_of('Consumption per region (MW)', 'avg:elec_france.region.consumption{*} by {region}'),
        toplist(
            'Regions, latest consumption (MW)',
            'avg:elec_france.region.consumption{*} by {region}',
            'last',
            len(REGIONS),
        ),
        timeseries_of(
            'Exchange balance per region (MW, positive = imports)',
            'avg:elec_france.region.exchange.balance{*} by {region}',
        ),
    ]
    widgets += [
        timeseries_of(
            f'{region.name}: production by fuel (MW)',
            f'avg:elec_france.region.production{{region:{region.slug}}} by {{fuel}}',
            AREA,
        )
        for region in REGIONS.values()
    ]
    return dashboard(
        'electricity_regions',
        ELECTRICITY_REGIONS,
        "The production by fuel and the consumption of each of France's twelve metropolitan regions, from ODRE, "
        'reported by the elec_france check with the `regions` option.',
        widgets,
    )


def dashboard(key, title, purpose, widgets):
    """An ordered dashboard whose description carries the identity `key`."""
    return Dashboard(
        title=title,
        description=f'{purpose} {ownership.note(key)} {OVERWRITTEN}',
        layout_type=DashboardLayoutType.ORDERED,
        widgets=widgets,
    )


def dashboards(host, freshness):
    """Each dashboard, in the order apply sends them."""
    return [exercise_timeboard(host), electricity_overview(freshness), production_detail(), electricity_regions()]
