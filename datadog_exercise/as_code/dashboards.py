"""The dashboards: the exercise's timeboard and the two France electricity dashboards.

Each is found again by the identity its description carries (see ownership.py), whatever its title:
retitling one here, or in the UI, updates it in place. A new dashboard is one more builder with its own
key, added to `dashboards()`.
"""

from datadog_api_client.v1.model.dashboard import Dashboard
from datadog_api_client.v1.model.dashboard_layout_type import DashboardLayoutType

from ..eco2mix.labels import FUELS
from . import ownership
from .widgets import AREA, BARS, formula, metric, query_value, timeseries, timeseries_of, toplist

EXERCISE_TIMEBOARD = 'Datadog exercise: my_metric and MySQL'
ELECTRICITY_OVERVIEW = 'France electricity: overview'
PRODUCTION_DETAIL = 'France electricity: production detail'

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
    ]
    return dashboard(
        'production_detail', PRODUCTION_DETAIL, 'Production of each fuel, the hydro breakdown and pumping.', widgets
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
    return [exercise_timeboard(host), electricity_overview(freshness), production_detail()]
