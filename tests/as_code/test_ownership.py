"""What `apply` recognises as its own: the identity it writes, and nothing that merely looks like it."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datadog_exercise.as_code.ownership import IDENTITY, identity, key_of, note, tags


def dashboard(description):
    return {'id': 'abc-def-ghi', 'title': 'France electricity: overview', 'description': description}


def downtime(message):
    return {'id': '1', 'type': 'downtime', 'attributes': {'message': message, 'status': 'active'}}


def test_a_dashboard_is_ours_by_the_identity_in_its_description_whatever_its_title():
    listed = dashboard(f'Renamed in the UI. {note("electricity_overview")} Edited.')

    assert key_of('dashboards', {**listed, 'title': 'Something else'}) == 'electricity_overview'


def test_a_monitor_is_ours_when_it_carries_both_tags_in_any_order():
    assert key_of('monitors', {'tags': ['team:web', *reversed(tags('my_metric'))]}) == 'my_metric'
    assert key_of('monitors', {'tags': [identity('my_metric')]}) is None
    assert key_of('monitors', {'tags': ['managed_by:datadog-exercise', 'monitor:my_metric']}) is None


def test_a_downtime_is_ours_by_the_identity_in_its_message():
    assert key_of('downtimes', downtime(f'Quiet. @ops {note("my_metric_quiet_hours")}')) == 'my_metric_quiet_hours'
    assert key_of('downtimes', downtime('Quiet. Managed by `datadog-exercise apply`.')) is None
    assert key_of('downtimes', {'id': '2', 'attributes': {'message': None}}) is None


@pytest.mark.parametrize(
    'description',
    [
        None,
        'Managed by `datadog-exercise apply`: changes made in the UI are overwritten by the next apply.',
        f'{note("exercise_timeboard")} {note("production_detail")}',  # two identities: whose is it?
        'datadog-exercise:id:Exercise_Timeboard',
    ],
    ids=['no-description', 'the-old-sentence', 'two-identities', 'not-a-key'],
)
def test_a_dashboard_without_exactly_one_identity_is_not_ours(description):
    assert key_of('dashboards', dashboard(description)) is None


def test_an_identity_is_a_whole_key_not_a_prefix():
    assert key_of('dashboards', dashboard(f'{IDENTITY}exercise_timeboard_copy')) == 'exercise_timeboard_copy'


def test_only_simple_keys_make_identities():
    with pytest.raises(ValueError):
        identity('my metric')


KEYS = st.from_regex(r'[a-z][a-z0-9_]{0,20}', fullmatch=True)
TEXT = st.text(max_size=40).filter(lambda text: IDENTITY not in text)


@settings(max_examples=100, deadline=None)
@given(key=KEYS, before=TEXT, after=TEXT, kind=st.sampled_from(['dashboards', 'downtimes']))
def test_the_identity_is_found_whatever_text_surrounds_it(key, before, after, kind):
    text = f'{before}{note(key)}{after}'
    listed = dashboard(text) if kind == 'dashboards' else downtime(text)

    assert key_of(kind, listed) == key


@settings(max_examples=100, deadline=None)
@given(text=TEXT, kind=st.sampled_from(['dashboards', 'downtimes']))
def test_text_without_the_identity_is_never_ours(text, kind):
    assert key_of(kind, dashboard(text) if kind == 'dashboards' else downtime(text)) is None


@pytest.mark.parametrize(
    ('kind', 'listed'),
    [
        ('monitors', {'tags': 'managed_by:datadog-exercise datadog-exercise:id:my_metric'}),
        ('monitors', {'tags': None}),
        ('downtimes', {'attributes': None}),
        ('downtimes', {'attributes': {'message': ['datadog-exercise:id:my_metric_quiet_hours']}}),
        ('dashboards', {'description': 42}),
    ],
    ids=['tags-as-a-string', 'no-tags', 'no-attributes', 'message-not-text', 'description-not-text'],
)
def test_an_object_of_an_unexpected_shape_is_not_ours(kind, listed):
    assert key_of(kind, listed) is None
