"""The `random_number` check, run as the Agent runs it (`check.run()` through `dd_run_check`)."""

import collections

import pytest
from datadog_checks.dev.utils import get_metadata_metrics

from datadog_exercise.checks.random_number import RandomNumberCheck


def make_check(instance=None, init_config=None):
    return RandomNumberCheck('random_number', init_config or {}, [instance or {}])


def draw(dd_run_check, aggregator, check, runs, seed=1234):
    check.rng.seed(seed)
    for _ in range(runs):
        dd_run_check(check)
    return [stub.value for stub in aggregator.metrics('my_metric')]


def test_submits_one_integer_gauge_per_run_within_default_range(dd_run_check, aggregator):
    check = make_check()

    dd_run_check(check)

    aggregator.assert_metric('my_metric', count=1, metric_type=aggregator.GAUGE, tags=[])
    [stub] = aggregator.metrics('my_metric')
    assert stub.value == int(stub.value)
    assert 0 <= stub.value <= 1000
    aggregator.assert_all_metrics_covered()
    aggregator.assert_metrics_using_metadata(get_metadata_metrics())


def test_carries_the_instance_tags(dd_run_check, aggregator):
    check = make_check({'tags': ['team:sre', 'exercise:datadog']})

    dd_run_check(check)

    aggregator.assert_metric('my_metric', count=1, tags=['team:sre', 'exercise:datadog'])


def test_instance_range_overrides_init_config_defaults(dd_run_check, aggregator):
    check = make_check({'min': 7, 'max': 7}, init_config={'min': 1, 'max': 2})

    dd_run_check(check)

    aggregator.assert_metric('my_metric', value=7, count=1)


def test_init_config_sets_the_range_for_every_instance(dd_run_check, aggregator):
    check = make_check({}, init_config={'min': -5, 'max': -5})

    dd_run_check(check)

    aggregator.assert_metric('my_metric', value=-5, count=1)


@pytest.mark.parametrize('low, high', [(0, 1000), (-3, 3), (10, 20)])
def test_seeded_draws_cover_exactly_min_to_max_uniformly(dd_run_check, aggregator, low, high):
    check = make_check({'min': low, 'max': high})
    runs = 400 * (high - low + 1) if high - low < 100 else 40_000

    values = draw(dd_run_check, aggregator, check, runs)

    counts = collections.Counter(values)
    # An off-by-one (randint(min, max + 1), randrange(max)) or swapped bounds change this set.
    assert set(counts) == set(range(low, high + 1))
    # Chi-square goodness of fit against the uniform law (p = 0.001 critical values).
    expected = runs / (high - low + 1)
    chi2 = sum((counts[v] - expected) ** 2 / expected for v in range(low, high + 1))
    critical = {1000: 1143.9, 6: 22.46, 10: 29.59}[high - low]
    assert chi2 < critical


@pytest.mark.parametrize(
    'instance, init_config, message',
    [
        ({'min': 'zero'}, {}, "`min` in instance must be an integer, got 'zero' (str)"),
        ({'max': 10.5}, {}, '`max` in instance must be an integer, got 10.5 (float)'),
        ({'max': True}, {}, '`max` in instance must be an integer, got True (bool)'),
        ({'min': None}, {}, '`min` in instance must be an integer, got None (NoneType)'),
        ({}, {'min': '5'}, "`min` in init_config must be an integer, got '5' (str)"),
        (
            {'min': 10, 'max': 1},
            {},
            '`min` (10) is greater than `max` (1): set `min` <= `max`; the check does not swap them',
        ),
        (
            {'max': -1},
            {},
            '`min` (0) is greater than `max` (-1): set `min` <= `max`; the check does not swap them',
        ),
        ({'tags': 'team:sre'}, {}, "`tags` must be a list of strings, got 'team:sre'"),
    ],
)
def test_bad_configuration_is_an_error_run_naming_key_and_value(
    dd_run_check, aggregator, instance, init_config, message
):
    check = make_check(instance, init_config)

    with pytest.raises(Exception) as error:
        dd_run_check(check, extract_message=True)

    assert str(error.value) == message
    assert 'ConfigurationError' in check.run()
    assert not aggregator.metrics('my_metric')
