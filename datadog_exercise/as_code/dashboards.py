"""The dashboards: the exercise's timeboard and the two France electricity dashboards.

Found again by title, so a title is the dashboard's identity: renaming one here makes `apply` create
a new dashboard and leave the old one behind (remove it with `destroy` first).
"""

from datadog_api_client.v1.model.dashboard import Dashboard
from datadog_api_client.v1.model.dashboard_layout_type import DashboardLayoutType

from ..eco2mix.labels import FUELS
from .monitors import STALE
from .widgets import AREA, BARS, formula, metric, query_value, timeseries, timeseries_of, toplist

EXERCISE_TIMEBOARD = 'Datadog exercise: my_metric and MySQL'
ELECTRICITY_OVERVIEW = 'France electricity: overview'
PRODUCTION_DETAIL = 'France electricity: production detail'
TITLES = (EXERCISE_TIMEBOARD, ELECTRICITY_OVERVIEW, PRODUCTION_DETAIL)

MANAGED = 'Managed by `datadog-exercise apply`: changes made in the UI are overwritten by the next apply.'

# Seconds. The feed publishes a quarter-hour about 20 minutes after it ends: a healthy age stays under
# an hour. Red from the age at which the freshness monitor warns.
HEALTHY_DATA_AGE = 3600


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
    return dashboard(EXERCISE_TIMEBOARD, 'The Datadog hands-on exercise: my_metric and MySQL.', widgets)


# The elec_france gauges carry one national value. `avg` across sources keeps that value when more
# than one Agent, or both feeds, report it; `sum` would double it.


def electricity_overview():
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
            # The first matching rule colours the number.
            [
                ('>', STALE, 'white_on_red'),
                ('>', HEALTHY_DATA_AGE, 'white_on_yellow'),
                ('<=', HEALTHY_DATA_AGE, 'white_on_green'),
            ],
        ),
    ]
    return dashboard(
        ELECTRICITY_OVERVIEW, "France's electricity mix from RTE eCO2mix, reported by the elec_france check.", widgets
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
    return dashboard(PRODUCTION_DETAIL, 'Production of each fuel, the hydro breakdown and pumping.', widgets)


def dashboard(title, purpose, widgets):
    return Dashboard(
        title=title, description=f'{purpose} {MANAGED}', layout_type=DashboardLayoutType.ORDERED, widgets=widgets
    )


def dashboards(host):
    return [exercise_timeboard(host), electricity_overview(), production_detail()]
