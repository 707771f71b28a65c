"""What counts as a change between the body `apply` would send and what the API returns."""

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from datadog_exercise.as_code.compare import differences

MONITOR = {
    'name': 'my_metric is high on {{host.name}}',
    'type': 'query alert',
    'query': 'avg(last_5m):avg:my_metric{*} by {host} > 800',
    'tags': ['managed_by:datadog-exercise', 'datadog-exercise:id:my_metric'],
    'options': {'thresholds': {'critical': 800, 'warning': 500}, 'notify_no_data': True, 'no_data_timeframe': 10},
}
# The same monitor as GET answers it: server fields, option defaults, floats, tags in another order.
LISTED_MONITOR = {
    **MONITOR,
    'id': 1004,
    'created': '2025-03-12T12:00:00+00:00',
    'creator': {'handle': 'alice@example.com'},
    'overall_state': 'OK',
    'tags': ['datadog-exercise:id:my_metric', 'managed_by:datadog-exercise'],
    'options': {
        'thresholds': {'critical': 800.0, 'warning': 500.0, 'critical_recovery': None},
        'notify_no_data': True,
        'no_data_timeframe': 10,
        'notify_audit': False,
        'silenced': {},
    },
}


def recurring(starts, timezone='Europe/Paris', durations=('14h', '49h')):
    rules = ('FREQ=WEEKLY;BYDAY=SU,MO,TU,WE,TH', 'FREQ=WEEKLY;BYDAY=FR')
    return {
        'data': {
            'type': 'downtime',
            'attributes': {
                'scope': '*',
                'schedule': {
                    'timezone': timezone,
                    'recurrences': [
                        {'rrule': rule, 'start': start, 'duration': duration}
                        for rule, start, duration in zip(rules, starts, durations, strict=True)
                    ],
                },
            },
        }
    }


def listed(body):
    """A downtime body as the listing returns it: data unwrapped, with server fields."""
    return {'id': 'x', 'type': 'downtime', 'attributes': {**body['data']['attributes'], 'status': 'scheduled'}}


DESIRED = recurring(['2025-03-19T19:00:00', '2025-03-21T19:00:00'])


def test_what_the_server_adds_and_reorders_is_no_change():
    assert differences('monitors', MONITOR, LISTED_MONITOR) == []


def test_a_changed_value_names_its_top_level_field():
    changed = copy.deepcopy(LISTED_MONITOR)
    changed['options']['thresholds']['warning'] = 600.0
    changed['name'] = 'renamed'

    assert differences('monitors', MONITOR, changed) == ['name', 'options']


def test_a_missing_field_or_tag_is_a_change():
    assert differences('monitors', MONITOR, {**LISTED_MONITOR, 'tags': ['managed_by:datadog-exercise']}) == ['tags']
    assert differences('monitors', MONITOR, {name: v for name, v in LISTED_MONITOR.items() if name != 'query'}) == [
        'query'
    ]


def test_true_is_not_one():
    assert differences('monitors', {'options': {'notify_no_data': True}}, {'options': {'notify_no_data': 1}}) == [
        'options'
    ]


def test_widgets_are_compared_in_order():
    widgets = [{'definition': {'title': 'a'}}, {'definition': {'title': 'b'}}]

    assert differences('dashboards', {'widgets': widgets}, {'widgets': widgets[::-1]}) == ['widgets']
    assert differences('dashboards', {'widgets': widgets}, {'widgets': [{**w, 'id': 7} for w in widgets]}) == []


def test_a_schedule_that_started_earlier_on_the_same_rules_is_the_same_schedule():
    # Created a week earlier; the API answers starts to the minute.
    existing = listed(recurring(['2025-03-12T19:00', '2025-03-14T19:00']))

    assert differences('downtimes', DESIRED, existing) == []


def test_recurrences_are_matched_as_a_set():
    existing = listed(DESIRED)
    existing['attributes']['schedule'] = {
        **existing['attributes']['schedule'],
        'recurrences': existing['attributes']['schedule']['recurrences'][::-1],
    }

    assert differences('downtimes', DESIRED, existing) == []


def test_a_schedule_is_different_when_it_would_silence_other_minutes():
    cases = [
        recurring(['2025-03-12T18:00', '2025-03-14T19:00']),  # another time of day
        recurring(['2025-03-12T19:00', '2025-03-13T19:00']),  # a start that is not on its rule (a Thursday)
        recurring(['2025-03-26T19:00', '2025-03-21T19:00']),  # starts later than wanted: a night would be lost
        recurring(['2025-03-12T19:00', '2025-03-14T19:00'], timezone='UTC'),
        recurring(['2025-03-12T19:00', '2025-03-14T19:00'], durations=('14h', '48h')),
        recurring(['2025-03-12T19:00', 'not a date']),
    ]

    assert [differences('downtimes', DESIRED, listed(case)) for case in cases] == [['schedule']] * len(cases)


def test_a_one_off_schedule_is_not_the_recurring_one():
    existing = listed(DESIRED)
    existing['attributes']['schedule'] = {'start': '2025-03-12T19:00:00+00:00', 'end': None}

    assert differences('downtimes', DESIRED, existing) == ['schedule']


# Property: whatever the body, fields the server adds never count, and any changed value counts once.

LEAVES = st.none() | st.booleans() | st.integers(-5, 5) | st.text(alphabet='abc', max_size=3)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from('pqrs'), inner, max_size=3),
    max_leaves=12,
)
BODIES = st.dictionaries(st.sampled_from(['title', 'widgets', 'layout_type', 'description']), VALUES, min_size=1)


def with_server_fields(value, extra):
    """`value` with `extra` added to every object in it (names a desired body never uses)."""
    if isinstance(value, dict):
        return {**{name: with_server_fields(item, extra) for name, item in value.items()}, **extra}
    if isinstance(value, list):
        return [with_server_fields(item, extra) for item in value]
    return value


def leaves(value, path=()):
    """The path of every leaf, an empty object or list counting as one."""
    if isinstance(value, dict | list) and not value:
        yield path
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from leaves(item, (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path


def replaced(value, path, new):
    if not path:
        return new
    head, *rest = path
    copied = copy.copy(value)
    copied[head] = replaced(value[head], rest, new)
    return copied


@settings(max_examples=80, deadline=None)
@given(body=BODIES, extra=st.dictionaries(st.sampled_from(['id', 'created_at', 'author']), LEAVES, max_size=3))
def test_fields_the_server_adds_are_never_a_change(body, extra):
    assert differences('dashboards', body, with_server_fields(body, extra)) == []


@settings(max_examples=80, deadline=None)
@given(body=BODIES, data=st.data())
def test_any_changed_value_is_a_change_of_its_top_level_field(body, data):
    path = data.draw(st.sampled_from(list(leaves(body))))
    old = body
    for step in path:
        old = old[step]
    new = data.draw(LEAVES.filter(lambda value: type(value) is not type(old) or value != old))

    assert differences('dashboards', body, replaced(body, path, new)) == [path[0]]
