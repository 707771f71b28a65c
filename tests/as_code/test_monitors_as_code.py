"""The monitors' request bodies, exactly as `datadog-api-client` serializes them."""

import re

from datadog_exercise.as_code import monitors
from datadog_exercise.as_code.wire import wire_body

NOTIFY = '@alice@example.com'


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
        'tags': ['managed_by:datadog-exercise', 'monitor:my_metric'],
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
    for monitor in monitors.monitors('@slack-ops'):
        message = wire_body(monitor, 'monitor')['message']

        assert re.findall(r'@[\w.@-]+', message) == ['@slack-ops'] * 4


def test_freshness_monitor_warns_when_the_data_stayed_over_two_hours_old_for_half_an_hour():
    body = wire_body(monitors.data_freshness_monitor(NOTIFY), 'monitor')

    assert {name: value for name, value in body.items() if name != 'message'} == {
        'name': 'France electricity: eCO2mix data is stale',
        'type': 'query alert',
        'query': 'min(last_30m):min:elec_france.data.age{*} > 21600',
        'tags': ['managed_by:datadog-exercise', 'monitor:elec_france_freshness'],
        'options': {
            'thresholds': {'critical': 21600.0, 'warning': 7200.0},
            'notify_no_data': True,
            'no_data_timeframe': 60,
        },
    }
    assert set(blocks(body['message'])) == {'is_warning', 'is_alert', 'is_no_data', 'is_recovery', 'outside'}
