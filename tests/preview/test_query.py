"""The local query evaluator, on tiny hand-made stores: scope, space aggregation, grouping, rollups."""

import pytest

from datadog_exercise.preview.query import QueryError, Series, evaluate, formula_series, parse, reduce
from datadog_exercise.preview.store import MetricStore


def store_of(*points):
    """(metric, timestamp, value, tags) tuples."""
    store = MetricStore()
    for metric, timestamp, value, tags in points:
        store.add(metric, timestamp, value, tags)
    return store


TWO_HOSTS = store_of(
    ('my_metric', 0, 10, ['host:a']),
    ('my_metric', 0, 30, ['host:b']),
    ('my_metric', 60, 20, ['host:a']),
    ('my_metric', 60, 50, ['host:b']),
)


@pytest.mark.parametrize(
    'space, points',
    [
        ('avg', ((0, 20.0), (60, 35.0))),
        ('sum', ((0, 40.0), (60, 70.0))),
        ('min', ((0, 10.0), (60, 20.0))),
        ('max', ((0, 30.0), (60, 50.0))),
    ],
)
def test_space_aggregation_combines_the_sources_at_each_timestamp(space, points):
    assert evaluate(f'{space}:my_metric{{*}}', TWO_HOSTS) == [Series((), points)]


def test_scope_keeps_the_sources_that_carry_every_tag():
    store = store_of(
        ('my_metric', 0, 10, ['host:a', 'env:prod']),
        ('my_metric', 0, 30, ['host:a', 'env:dev']),
        ('my_metric', 0, 50, ['host:b', 'env:prod']),
    )

    assert evaluate('sum:my_metric{host:a}', store) == [Series((), ((0, 40.0),))]
    assert evaluate('sum:my_metric{host:a,env:prod}', store) == [Series((), ((0, 10.0),))]
    assert evaluate('sum:my_metric{host:c}', store) == []
    assert evaluate('sum:other{*}', store) == []


def test_by_gives_one_series_per_tag_value_in_order_and_averages_the_feeds_of_each():
    store = store_of(
        ('elec_france.production', 0, 100, ['feed:eco2mix', 'fuel:nuclear']),
        ('elec_france.production', 0, 120, ['feed:odre', 'fuel:nuclear']),
        ('elec_france.production', 0, 7, ['feed:eco2mix', 'fuel:hydro']),
        ('elec_france.production', 0, 1, ['feed:eco2mix']),
    )

    assert evaluate('avg:elec_france.production{*} by {fuel}', store) == [
        Series(('fuel:N/A',), ((0, 1.0),)),
        Series(('fuel:hydro',), ((0, 7.0),)),
        Series(('fuel:nuclear',), ((0, 110.0),)),
    ]
    assert evaluate('avg:elec_france.production{feed:eco2mix} by {fuel,feed}', store)[1] == Series(
        ('fuel:hydro', 'feed:eco2mix'), ((0, 7.0),)
    )


def test_rollup_sums_each_source_into_buckets_aligned_on_the_interval_then_aggregates_in_space():
    store = store_of(
        ('my_metric', 3600, 1, ['host:a']),
        ('my_metric', 5400, 2, ['host:a']),
        ('my_metric', 7199, 4, ['host:a']),
        ('my_metric', 7200, 8, ['host:a']),
        ('my_metric', 3700, 16, ['host:b']),
    )

    assert evaluate('sum:my_metric{*}.rollup(sum, 3600)', store) == [Series((), ((3600, 23.0), (7200, 8.0)))]
    assert evaluate('max:my_metric{*}.rollup(sum, 3600)', store) == [Series((), ((3600, 16.0), (7200, 8.0)))]
    assert evaluate('avg:my_metric{host:a}.rollup(count, 3600)', store) == [Series((), ((3600, 3.0), (7200, 1.0)))]


def test_the_display_interval_averages_a_query_without_rollup_and_widens_a_finer_one():
    store = store_of(*(('my_metric', timestamp, timestamp // 60, ['host:a']) for timestamp in range(0, 600, 60)))

    assert evaluate('avg:my_metric{*}', store, display_interval=300) == [Series((), ((0, 2.0), (300, 7.0)))]
    assert evaluate('avg:my_metric{*}.rollup(sum, 120)', store, display_interval=300) == [
        Series((), ((0, 10.0), (300, 35.0)))
    ]
    assert evaluate('avg:my_metric{*}.rollup(max, 600)', store, display_interval=300) == [Series((), ((0, 9.0),))]


def test_parse_names_the_parts_of_a_query():
    query = parse('sum:elec_france.production.breakdown{fuel:hydro} by {technology}.rollup(sum, 3600)')

    assert (query.space, query.metric, query.scope, query.group_by, query.rollup) == (
        'sum',
        'elec_france.production.breakdown',
        ('fuel:hydro',),
        ('technology',),
        ('sum', 3600),
    )


@pytest.mark.parametrize(
    'text, message',
    [
        ('avg:my_metric{!host:a}', 'the scope must be * or tag:value filters separated by commas'),
        ('avg:my_metric{host:a OR host:b}', 'the scope must be * or tag:value filters separated by commas'),
        ('p99:my_metric{*}', "space aggregation 'p99' is not one of avg, sum, min, max"),
        ('avg:my_metric{*}.rollup(sum)', 'is not a query of the form'),
        ('avg:my_metric{*}.rollup(median, 60)', "rollup method 'median' is not one of avg, sum, min, max, count"),
        ('avg:my_metric{*}.rollup(sum, 0)', 'the rollup interval must be a positive number of seconds'),
        ("anomalies(avg:my_metric{*}, 'basic', 2)", 'is not a query of the form'),
    ],
)
def test_a_query_outside_the_subset_is_refused_naming_it(text, message):
    with pytest.raises(QueryError) as raised:
        parse(text)

    assert message in str(raised.value)
    assert repr(text) in str(raised.value)


def test_reduce_gives_the_number_of_a_scalar_widget():
    series = Series((), ((0, 3.0), (60, 1.0), (120, 2.0)))

    assert [reduce(series, aggregator) for aggregator in ('last', 'avg', 'sum', 'min', 'max')] == [2, 2, 6, 1, 3]
    with pytest.raises(QueryError, match="aggregator 'percentile' is not one of last, avg, sum, min, max"):
        reduce(series, 'percentile')


def test_a_formula_is_evaluated_only_when_it_names_a_query():
    results = {'query1': [Series((), ((0, 1.0),))]}

    assert formula_series('query1', results) == results['query1']
    with pytest.raises(QueryError, match=r"formula \"anomalies\(query1, 'basic', 2\)\": the local preview evaluates"):
        formula_series("anomalies(query1, 'basic', 2)", results)
