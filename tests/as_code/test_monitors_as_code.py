"""The monitors' request bodies, exactly as `datadog-api-client` serializes them."""

import re

import pytest

from datadog_exercise.as_code import monitors
from datadog_exercise.as_code.catalog import build, shipped_elec_france_conf
from datadog_exercise.as_code.freshness import ConfigurationFileError, Freshness, in_words, max_data_age_of
from datadog_exercise.as_code.wire import wire_body

NOTIFY = '@alice@example.com'
SHIPPED = Freshness.from_max_data_age(7200)


def blocks(message):
    """{state: text} of each {{#is_state}} ... {{/is_state}} block, and the text outside any block."""
    found = dict(re.findall(r'\{\{#(is_\w+)\}\}\n(.*?)\n\{\{/\1\}\}', message, re.DOTALL))
    found['outside'] = re.sub(r'\{\{#(is_\w+)\}\}.*?\{\{/\1\}\}', '', message, flags=re.DOTALL).strip()
    return found


def test_my_metric_monitor_is_a_multi_alert_by_host_warning_over_500_alerting_over_800():
    body = wire_body(monitors.my_metric_monitor(NOTIFY), 'monitor')

    assert {name: value for name, value in body.items() if name != 'message'} == {
        'name': 'my_metric is high on {{host.name}}',
        'type': 'query alert',
        'query': 'avg(last_5m):avg:my_metric{*} by {host} > 800',
        'tags': ['managed_by:datadog-exercise', 'datadog-exercise:id:my_metric'],
        'options': {
            'thresholds': {'critical': 800.0, 'warning': 500.0},
            'notify_no_data': True,
            'no_data_timeframe': 10,
        },
    }


def test_my_metric_message_says_something_different_for_each_state_and_always_notifies():
    message = wire_body(monitors.my_metric_monitor(NOTIFY), 'monitor')['message']

    assert blocks(message) == {
        'is_alert': 'my_metric is {{value}} on {{host.name}} ({{host.ip}}): above {{threshold}} on average over '
        'the last 5 minutes. @alice@example.com',
        'is_warning': 'my_metric is {{value}} on {{host.name}}: above {{warn_threshold}} on average over '
        'the last 5 minutes. @alice@example.com',
        'is_no_data': 'my_metric has not been reported by {{host.name}} for 10 minutes: is the Agent running there, '
        'and does `datadog-agent check random_number` pass? @alice@example.com',
        'is_recovery': 'my_metric is back to {{value}} on {{host.name}}. @alice@example.com',
        'outside': '',
    }


def test_notifications_go_to_the_handle_given_and_no_other():
    for monitor in monitors.monitors('@slack-ops', SHIPPED):
        message = wire_body(monitor, 'monitor')['message']
        states = [state for state in blocks(message) if state != 'outside']

        assert len(states) >= 2
        assert re.findall(r'@[\w.@-]+', message) == ['@slack-ops'] * len(states)  # one in each state's block


def test_freshness_monitor_warns_past_max_data_age_and_alerts_at_three_times_it():
    body = wire_body(monitors.data_freshness_monitor(NOTIFY, SHIPPED), 'monitor')

    assert {name: value for name, value in body.items() if name != 'message'} == {
        'name': 'France electricity: eCO2mix data is stale',
        'type': 'query alert',
        'query': 'min(last_30m):min:elec_france.data.age{*} > 21600',
        'tags': ['managed_by:datadog-exercise', 'datadog-exercise:id:elec_france_freshness'],
        'options': {
            'thresholds': {'critical': 21600.0, 'warning': 7200.0},
            'notify_no_data': True,
            'no_data_timeframe': 60,
        },
    }
    assert blocks(body['message']) == {
        'is_warning': 'The eCO2mix data has been more than 2 hours old for 30 minutes ({{value}} s), past the '
        "check's max_data_age: production is no longer reported. RTE stopped publishing, or the elec_france "
        'check cannot read the feed (see `datadog-agent check elec_france`). @alice@example.com',
        'is_alert': 'The eCO2mix data is {{value}} s old: neither eCO2mix nor the ODRE fallback has delivered '
        'for 6 hours. @alice@example.com',
        'is_no_data': 'elec_france.data.age has not been reported for 60 minutes: the Agent or the elec_france '
        'check is not running. @alice@example.com',
        'is_recovery': 'The eCO2mix data is fresh again ({{value}} s old). @alice@example.com',
        'outside': '',
    }


def test_the_thresholds_follow_the_max_data_age_given():
    body = wire_body(monitors.data_freshness_monitor(NOTIFY, Freshness.from_max_data_age(5400)), 'monitor')

    assert (body['query'], body['options']['thresholds']) == (
        'min(last_30m):min:elec_france.data.age{*} > 16200',
        {'critical': 16200.0, 'warning': 5400.0},
    )
    assert 'more than 90 minutes old' in body['message']
    assert 'delivered for 270 minutes' in body['message']


def test_without_a_max_data_age_the_shipped_configurations_is_used():
    [_, freshness_monitor, _] = build(('monitors',), None, NOTIFY, 'UTC', None)

    assert max_data_age_of(shipped_elec_france_conf()) == 7200
    assert freshness_monitor.wire['options']['thresholds'] == {'critical': 21600.0, 'warning': 7200.0}


def test_a_healthy_feed_is_late_past_the_publication_lag_and_one_more_quarter_hour():
    # Published ~20 minutes after a quarter-hour starts; asked for 22 minutes after (PUBLICATION_LAG);
    # data.age counts from the end of the reported quarter-hour: 22 minutes + 15 minutes.
    assert SHIPPED.late == 37 * 60


def write_conf(tmp_path, text):
    path = tmp_path / 'conf.yaml'
    path.write_text(text)
    return path


def test_max_data_age_is_read_the_way_the_check_reads_it(tmp_path):
    assert max_data_age_of(write_conf(tmp_path, 'instances:\n  - max_data_age: 5400\n')) == 5400
    assert max_data_age_of(write_conf(tmp_path, 'init_config:\ninstances:\n  - {}\n')) == 7200


@pytest.mark.parametrize(
    ('text', 'message'),
    [
        (
            'instances:\n  - max_data_age: soon\n',
            "{path}: `max_data_age` must be a whole number of seconds greater than 0 and at most 604800, got 'soon'",
        ),
        ('init_config:\n', '{path} has no instances: pass --max-data-age'),
        (
            'instances:\n  - max_data_age: 5400\n  - max_data_age: 9000\n',
            'the instances of {path} disagree on max_data_age (5400, 9000): pass --max-data-age',
        ),
        ('instances: [\n', 'cannot read {path}: '),
    ],
    ids=['not-a-number', 'no-instances', 'disagreeing-instances', 'not-yaml'],
)
def test_a_configuration_that_gives_no_max_data_age_is_named(tmp_path, text, message):
    path = write_conf(tmp_path, text)

    with pytest.raises(ConfigurationFileError) as refused:
        max_data_age_of(path)

    assert str(refused.value).startswith(message.format(path=path))


@pytest.mark.parametrize(
    ('seconds', 'words'),
    [(7200, '2 hours'), (3600, '1 hour'), (5400, '90 minutes'), (60, '1 minute'), (61, '61 seconds')],
)
def test_thresholds_are_stated_in_words(seconds, words):
    assert in_words(seconds) == words


def test_feed_consistency_monitor_alerts_after_two_hours_of_differences_between_ecomix_and_odre():
    body = wire_body(monitors.feed_consistency_monitor(NOTIFY), 'monitor')

    assert {name: value for name, value in body.items() if name != 'message'} == {
        'name': 'France electricity: eCO2mix and ODRE disagree',
        'type': 'query alert',
        'query': 'min(last_2h):max:elec_france.feed.mismatches{*} > 0',
        'tags': ['managed_by:datadog-exercise', 'datadog-exercise:id:elec_france_feed_consistency'],
        'options': {'thresholds': {'critical': 0.0}, 'notify_no_data': False},
    }
    assert blocks(body['message']) == {
        'is_alert': 'eCO2mix and ODRE have published different figures for the same quarter-hour ({{value}} series) '
        "for 120 minutes: RTE's XML has most likely changed (a renamed or swapped label). The service check "
        'elec_france.feed_consistency names each series with both values, and `datadog-exercise doctor` says what '
        'an unknown label most likely is; map it with `label_overrides` in the elec_france configuration. '
        '@alice@example.com',
        'is_recovery': 'eCO2mix and ODRE agree again. @alice@example.com',
        'outside': '',
    }
