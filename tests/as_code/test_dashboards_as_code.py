"""The dashboards' request bodies, exactly as `datadog-api-client` serializes them."""

from hypothesis import given, settings
from hypothesis import strategies as st

from datadog_exercise.as_code import dashboards
from datadog_exercise.as_code.freshness import Freshness
from datadog_exercise.as_code.wire import wire_body
from datadog_exercise.eco2mix.regional import SLUGS

SHIPPED = Freshness.from_max_data_age(7200)  # the shipped elec_france configuration's max_data_age

ELEC_METRICS = {
    'elec_france.feed.mismatches',
    'elec_france.production',
    'elec_france.production.total',
    'elec_france.production.breakdown',
    'elec_france.pumping',
    'elec_france.exchange.balance',
    'elec_france.consumption',
    'elec_france.co2_intensity',
    'elec_france.share.low_carbon',
    'elec_france.share.renewable',
    'elec_france.data.age',
    'elec_france.consumption.forecast',
    'elec_france.exchange.commercial',
    'elec_france.price.day_ahead',
    'elec_france.battery.charging',
    'elec_france.battery.discharging',
    'elec_france.region.production',
    'elec_france.region.consumption',
    'elec_france.region.exchange.balance',
}


def timeseries_widget(title, query, formula, display_type):
    return {
        'definition': {
            'title': title,
            'type': 'timeseries',
            'requests': [
                {
                    'queries': [{'data_source': 'metrics', 'name': 'query1', 'query': query}],
                    'formulas': [{'formula': formula}],
                    'response_format': 'timeseries',
                    'display_type': display_type,
                }
            ],
        }
    }


def outline(dashboard):
    """(widget type, title, display type or None, [queries], [formulas]) for each widget, its requests' together."""
    rows = []
    for widget in wire_body(dashboard, 'dashboard')['widgets']:
        definition = widget['definition']
        requests = definition['requests']
        rows.append(
            (
                definition['type'],
                definition['title'],
                requests[0].get('display_type'),
                [query['query'] for request in requests for query in request['queries']],
                [formula['formula'] for request in requests for formula in request['formulas']],
            )
        )
    return rows


def test_exercise_timeboard_is_one_ordered_dashboard_of_three_formula_timeseries():
    assert wire_body(dashboards.exercise_timeboard('web-1'), 'dashboard') == {
        'title': 'Datadog exercise: my_metric and MySQL',
        'description': 'The Datadog hands-on exercise: my_metric and MySQL. Managed by `datadog-exercise apply` '
        '(datadog-exercise:id:exercise_timeboard). Changes made in the UI are overwritten by the next apply.',
        'layout_type': 'ordered',
        'widgets': [
            timeseries_widget('my_metric on web-1', 'avg:my_metric{host:web-1}', 'query1', 'line'),
            timeseries_widget(
                'MySQL CPU time, with the anomaly band (basic, 2 deviations)',
                'avg:mysql.performance.cpu_time{*}',
                "anomalies(query1, 'basic', 2)",
                'line',
            ),
            timeseries_widget('my_metric summed per hour', 'sum:my_metric{*}.rollup(sum, 3600)', 'query1', 'bars'),
        ],
    }


def test_timeboard_scopes_my_metric_to_the_host_given():
    [first, *_] = outline(dashboards.exercise_timeboard('ip-10-0-0-7.eu-west-3.compute.internal'))

    assert first[1:4] == (
        'my_metric on ip-10-0-0-7.eu-west-3.compute.internal',
        'line',
        ['avg:my_metric{host:ip-10-0-0-7.eu-west-3.compute.internal}'],
    )


def test_overview_shows_the_mix_consumption_exchanges_co2_shares_and_data_age():
    body = wire_body(dashboards.electricity_overview(SHIPPED), 'dashboard')

    assert (body['title'], body['layout_type']) == ('France electricity: overview', 'ordered')
    assert outline(dashboards.electricity_overview(SHIPPED)) == [
        ('timeseries', 'Production by fuel (MW)', 'area', ['avg:elec_france.production{*} by {fuel}'], ['query1']),
        (
            'timeseries',
            'Consumption against total production (MW)',
            'line',
            ['avg:elec_france.consumption{*}', 'avg:elec_france.production.total{*}'],
            ['consumption', 'production'],
        ),
        (
            'timeseries',
            'Exchange balance (MW, positive = imports)',
            'bars',
            ['avg:elec_france.exchange.balance{*}'],
            ['query1'],
        ),
        ('timeseries', 'CO2 intensity (gCO2/kWh)', 'line', ['avg:elec_france.co2_intensity{*}'], ['query1']),
        (
            'timeseries',
            'Low-carbon and renewable shares of production (%)',
            'line',
            ['avg:elec_france.share.low_carbon{*}', 'avg:elec_france.share.renewable{*}'],
            ['low_carbon', 'renewable'],
        ),
        ('query_value', 'Data age (s)', None, ['min:elec_france.data.age{*}'], ['query1']),
        (
            'timeseries',
            'Consumption: forecast against actual (MW)',
            'line',
            [
                'avg:elec_france.consumption{*}',
                'avg:elec_france.consumption.forecast{horizon:day_ahead}',
                'avg:elec_france.consumption.forecast{horizon:intraday}',
            ],
            ['actual', 'day_ahead', 'intraday'],
        ),
        (
            'timeseries',
            'Commercial exchanges by border (MW, positive = imports)',
            'line',
            ['avg:elec_france.exchange.commercial{*} by {border}'],
            ['query1'],
        ),
        (
            'timeseries',
            'Day-ahead price in France against CO2 intensity',
            'line',
            ['avg:elec_france.price.day_ahead{area:fr}', 'avg:elec_france.co2_intensity{*}'],
            ['price', 'co2'],
        ),
        (
            'timeseries',
            'Day-ahead price by bidding area (EUR/MWh)',
            'line',
            ['avg:elec_france.price.day_ahead{*} by {area}'],
            ['query1'],
        ),
        (
            'query_value',
            'Series where eCO2mix and ODRE differ',
            None,
            ['max:elec_france.feed.mismatches{*}'],
            ['query1'],
        ),
    ]


def test_the_price_and_the_co2_intensity_share_a_graph_on_two_axes():
    widgets = wire_body(dashboards.electricity_overview(SHIPPED), 'dashboard')['widgets']

    price, co2 = widgets[8]['definition']['requests']
    assert (price.get('on_right_yaxis'), co2['on_right_yaxis']) == (None, True)
    assert [price['formulas'], co2['formulas']] == [
        [{'formula': 'price', 'alias': 'EUR/MWh, France'}],
        [{'formula': 'co2', 'alias': 'gCO2/kWh'}],
    ]


def test_overview_names_its_series_and_bounds_the_shares_to_percent():
    widgets = wire_body(dashboards.electricity_overview(SHIPPED), 'dashboard')['widgets']

    assert widgets[1]['definition']['requests'][0]['formulas'] == [
        {'formula': 'consumption', 'alias': 'consumption'},
        {'formula': 'production', 'alias': 'total production'},
    ]
    assert widgets[4]['definition']['yaxis'] == {'min': '0', 'max': '100'}


def data_age_widget(freshness):
    return wire_body(dashboards.electricity_overview(freshness), 'dashboard')['widgets'][5]['definition']


def test_data_age_is_green_while_no_publication_is_missed_and_red_where_the_freshness_monitor_warns():
    [request] = data_age_widget(SHIPPED)['requests']

    assert request['queries'][0]['aggregator'] == 'last'
    assert request['response_format'] == 'scalar'
    # On the formula, where Datadog's own formula examples put them; none on the request.
    assert 'conditional_formats' not in request
    assert request['formulas'] == [
        {
            'formula': 'query1',
            'conditional_formats': [
                {'comparator': '<=', 'value': 2220.0, 'palette': 'white_on_green'},
                {'comparator': '>', 'value': 7200.0, 'palette': 'white_on_red'},
            ],
        }
    ]


def test_the_feeds_consistency_is_green_while_they_agree_and_red_when_a_series_differs():
    widget = wire_body(dashboards.electricity_overview(SHIPPED), 'dashboard')['widgets'][-1]['definition']

    [request] = widget['requests']
    assert request['queries'][0]['aggregator'] == 'last'
    assert request['formulas'][0]['conditional_formats'] == [
        {'comparator': '<=', 'value': 0.0, 'palette': 'white_on_green'},
        {'comparator': '>', 'value': 0.0, 'palette': 'white_on_red'},
    ]


COMPARATORS = {'<': float.__lt__, '<=': float.__le__, '>': float.__gt__, '>=': float.__ge__, '=': float.__eq__}


@settings(max_examples=60, deadline=None)
@given(max_data_age=st.integers(min_value=2221, max_value=7 * 86400), age=st.floats(min_value=0, max_value=30 * 86400))
def test_at_most_one_data_age_rule_matches_any_age(max_data_age, age):
    freshness = Freshness.from_max_data_age(max_data_age)
    [formula] = data_age_widget(freshness)['requests'][0]['formulas']

    matching = [
        rule['palette']
        for rule in formula['conditional_formats']
        if COMPARATORS[rule['comparator']](age, rule['value'])
    ]

    expected = ['white_on_green'] if age <= freshness.late else ['white_on_red'] if age > max_data_age else []
    assert matching == expected


def test_production_detail_has_one_graph_per_fuel_the_hydro_breakdown_pumping_and_a_top_list():
    assert outline(dashboards.production_detail()) == [
        ('timeseries', 'Nuclear (MW)', 'line', ['avg:elec_france.production{fuel:nuclear}'], ['query1']),
        ('timeseries', 'Coal (MW)', 'line', ['avg:elec_france.production{fuel:coal}'], ['query1']),
        ('timeseries', 'Gas (MW)', 'line', ['avg:elec_france.production{fuel:gas}'], ['query1']),
        ('timeseries', 'Oil (MW)', 'line', ['avg:elec_france.production{fuel:oil}'], ['query1']),
        ('timeseries', 'Hydro (MW)', 'line', ['avg:elec_france.production{fuel:hydro}'], ['query1']),
        ('timeseries', 'Wind (MW)', 'line', ['avg:elec_france.production{fuel:wind}'], ['query1']),
        ('timeseries', 'Solar (MW)', 'line', ['avg:elec_france.production{fuel:solar}'], ['query1']),
        ('timeseries', 'Bioenergy (MW)', 'line', ['avg:elec_france.production{fuel:bioenergy}'], ['query1']),
        (
            'timeseries',
            'Hydro by technology (MW)',
            'area',
            ['avg:elec_france.production.breakdown{fuel:hydro} by {technology}'],
            ['query1'],
        ),
        ('timeseries', 'Pumped-storage pumping (MW)', 'line', ['avg:elec_france.pumping{*}'], ['query1']),
        ('toplist', 'Fuels, latest production (MW)', None, ['avg:elec_france.production{*} by {fuel}'], ['query1']),
        (
            'timeseries',
            'Wind, onshore and offshore (MW)',
            'area',
            ['avg:elec_france.production.breakdown{fuel:wind} by {technology}'],
            ['query1'],
        ),
        (
            'timeseries',
            'Batteries (MW)',
            'line',
            ['avg:elec_france.battery.charging{*}', 'avg:elec_france.battery.discharging{*}'],
            ['charging', 'discharging'],
        ),
    ]


def test_regions_shows_consumption_per_region_and_each_regions_production_by_fuel():
    rows = outline(dashboards.electricity_regions())

    assert wire_body(dashboards.electricity_regions(), 'dashboard')['title'] == 'France electricity: regions'
    assert rows[:3] == [
        (
            'timeseries',
            'Consumption per region (MW)',
            'line',
            ['avg:elec_france.region.consumption{*} by {region}'],
            ['query1'],
        ),
        (
            'toplist',
            'Regions, latest consumption (MW)',
            None,
            ['avg:elec_france.region.consumption{*} by {region}'],
            ['query1'],
        ),
        (
            'timeseries',
            'Exchange balance per region (MW, positive = imports)',
            'line',
            ['avg:elec_france.region.exchange.balance{*} by {region}'],
            ['query1'],
        ),
    ]
    assert rows[3] == (
        'timeseries',
        'Île-de-France: production by fuel (MW)',
        'area',
        ['avg:elec_france.region.production{region:ile_de_france} by {fuel}'],
        ['query1'],
    )
    assert [row[3][0].split('{region:')[1].split('}')[0] for row in rows[3:]] == list(SLUGS)


def test_top_list_ranks_all_eight_fuels_largest_first_on_their_last_value():
    toplist = wire_body(dashboards.production_detail(), 'dashboard')['widgets'][10]['definition']

    assert toplist['requests'] == [
        {
            'queries': [
                {
                    'data_source': 'metrics',
                    'name': 'query1',
                    'query': 'avg:elec_france.production{*} by {fuel}',
                    'aggregator': 'last',
                }
            ],
            'formulas': [{'formula': 'query1', 'limit': {'count': 8, 'order': 'desc'}}],
            'response_format': 'scalar',
        }
    ]


def test_electricity_dashboards_use_only_the_elec_france_metric_names():
    used = set()
    electricity = (
        dashboards.electricity_overview(SHIPPED),
        dashboards.production_detail(),
        dashboards.electricity_regions(),
    )
    for dashboard in electricity:
        for _, _, _, queries, _ in outline(dashboard):
            used |= {query.split(':', 1)[1].split('{', 1)[0] for query in queries}

    assert used == ELEC_METRICS
