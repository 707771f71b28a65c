"""`datadog-exercise apply` and `destroy` against a local stand-in for the Datadog API."""

import json
import logging
import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from datadog_stand_in import API_KEY, APP_KEY

OPTIONS = ['--host', 'web-1', '--notify', '@alice@example.com', '--timezone', 'Europe/Paris']

DASHBOARDS = [
    'Datadog exercise: my_metric and MySQL',
    'France electricity: overview',
    'France electricity: production detail',
    'France electricity: regions',
]
MONITORS = [
    'my_metric is high on {{host.name}}',
    'France electricity: eCO2mix data is stale',
    'France electricity: eCO2mix and ODRE disagree',
]
LISTINGS = [('GET', '/api/v1/dashboard'), ('GET', '/api/v1/monitor'), ('GET', '/api/v2/downtime')]
MY_METRIC_TAGS = ['managed_by:datadog-exercise', 'datadog-exercise:id:my_metric']
PARIS = ZoneInfo('Europe/Paris')


@pytest.fixture(autouse=True)
def fixed_clock(clock):
    # The downtimes follow the clock; a fixed one (a Wednesday, 13:00 in Paris) makes runs send the same bodies.
    return clock


def dry_run(run, *options):
    result = run('apply', '--dry-run', *OPTIONS, *options)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def apply(run, *options):
    result = run('apply', *OPTIONS, *options)
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()


def bodies(stand_in, method):
    return [request.body for request in stand_in.requests if request.method == method]


def reads(stand_in):
    """The GETs of one apply: the three listings, then each dashboard of ours read whole."""
    return LISTINGS + [('GET', f'/api/v1/dashboard/{dashboard_id}') for dashboard_id in stand_in.dashboards]


def only_changes(stand_in):
    return stand_in.sent('POST', 'PUT', 'PATCH', 'DELETE')


# The dry run


def test_dry_run_needs_no_keys_and_sends_nothing(stand_in):
    environment = {name: value for name, value in os.environ.items() if not name.startswith('DD_')}
    environment['DD_API_URL'] = stand_in.url  # were it used, the stand-in would record it

    process = subprocess.run(
        [sys.executable, '-m', 'datadog_exercise', 'apply', '--dry-run', *OPTIONS],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert (process.returncode, process.stderr) == (0, '')
    document = json.loads(process.stdout)
    assert [body['title'] for body in document['dashboards']] == DASHBOARDS
    assert [body['name'] for body in document['monitors']] == MONITORS
    # The real clock: the quiet period in progress, if any, comes before the recurring downtime.
    messages = [body['data']['attributes']['message'] for body in document['downtimes']]
    assert messages[-1].endswith('(datadog-exercise:id:my_metric_quiet_hours).')
    assert all(message.endswith('(datadog-exercise:id:my_metric_quiet_period).') for message in messages[:-1])
    assert len(messages) in (1, 2)
    assert stand_in.requests == []


def test_dry_run_prints_only_the_kinds_asked_for(run):
    result = run('apply', '--dry-run', '--only', 'monitors', '--notify', '@alice@example.com')

    document = json.loads(result.stdout)
    assert (len(document['dashboards']), len(document['monitors']), len(document['downtimes'])) == (0, 3, 0)


def test_dry_run_during_quiet_hours_also_prints_the_downtime_of_the_period_under_way(run, clock):
    clock.now = datetime(2025, 3, 12, 22, 0, tzinfo=PARIS)

    downtimes = dry_run(run)['downtimes']

    assert [body['data']['attributes']['schedule'].get('end') for body in downtimes] == [
        '2025-03-13T08:00:00+00:00',
        None,
    ]


# Creating, and applying again


def test_first_apply_looks_everything_up_then_creates_each_object_with_its_dry_run_body(run, datadog_env):
    expected = dry_run(run)

    apply(run)

    assert datadog_env.sent() == [
        *LISTINGS,
        ('POST', '/api/v1/dashboard'),
        ('POST', '/api/v1/dashboard'),
        ('POST', '/api/v1/dashboard'),
        ('POST', '/api/v1/dashboard'),
        ('POST', '/api/v1/monitor'),
        ('POST', '/api/v1/monitor'),
        ('POST', '/api/v1/monitor'),
        ('POST', '/api/v2/downtime'),
    ]
    assert bodies(datadog_env, 'POST') == expected['dashboards'] + expected['monitors'] + expected['downtimes']


def test_each_listing_asks_only_for_what_it_needs(run, datadog_env):
    apply(run)

    assert [request.query for request in datadog_env.requests if request.method == 'GET'] == [
        {'count': '100'},
        {'monitor_tags': 'managed_by:datadog-exercise', 'page_size': '100', 'page': '0'},
        {'page[limit]': '30'},
    ]


def test_objects_past_the_first_page_of_a_listing_are_found(run, datadog_env):
    for number in range(120):
        datadog_env.add_dashboard(f'Team board {number}')
    for number in range(40):
        datadog_env.add_downtime({'monitor_identifier': {'monitor_tags': ['team:web']}, 'scope': f'env:e{number}'})
    apply(run)
    datadog_env.requests.clear()

    output = apply(run)

    assert only_changes(datadog_env) == []
    assert [line.split(': http')[0] for line in output] == [
        *(f"unchanged dashboard '{title}'" for title in DASHBOARDS),
        *(f"unchanged monitor '{name}'" for name in MONITORS),
        "unchanged downtime 'my_metric quiet hours'",
    ]
    assert [request.query for request in datadog_env.requests if request.path == '/api/v1/dashboard'] == [
        {'count': '100'},
        {'count': '100', 'start': '100'},
    ]
    assert [request.query for request in datadog_env.requests if request.path == '/api/v2/downtime'] == [
        {'page[limit]': '30'},
        {'page[limit]': '30', 'page[offset]': '30'},
    ]


def test_keys_go_in_headers_and_never_in_the_url(run, datadog_env):
    apply(run)
    run('destroy')

    assert len(datadog_env.requests) > 10
    for request in datadog_env.requests:
        assert (request.headers['dd-api-key'], request.headers['dd-application-key']) == (API_KEY, APP_KEY)
        assert API_KEY not in request.target
        assert APP_KEY not in request.target
        if request.method in ('POST', 'PUT', 'PATCH'):
            assert request.headers['content-type'] == 'application/json'


def test_apply_prints_what_it_created_with_its_address_in_the_sites_web_app(run, datadog_env, monkeypatch):
    monkeypatch.setenv('DD_SITE', 'datadoghq.eu')

    assert apply(run) == [
        "created dashboard 'Datadog exercise: my_metric and MySQL': "
        'https://app.datadoghq.eu/dashboard/sti-001-aaa/datadog-exercise-my-metric-and-mysql',
        "created dashboard 'France electricity: overview': "
        'https://app.datadoghq.eu/dashboard/sti-002-aaa/france-electricity-overview',
        "created dashboard 'France electricity: production detail': "
        'https://app.datadoghq.eu/dashboard/sti-003-aaa/france-electricity-production-detail',
        "created dashboard 'France electricity: regions': "
        'https://app.datadoghq.eu/dashboard/sti-004-aaa/france-electricity-regions',
        "created monitor 'my_metric is high on {{host.name}}': https://app.datadoghq.eu/monitors/1005",
        "created monitor 'France electricity: eCO2mix data is stale': https://app.datadoghq.eu/monitors/1006",
        "created monitor 'France electricity: eCO2mix and ODRE disagree': https://app.datadoghq.eu/monitors/1007",
        "created downtime 'my_metric quiet hours': "
        'https://app.datadoghq.eu/monitors/downtimes?id=00000000-0000-0000-0000-000000000008',
    ]


def test_a_second_apply_sends_nothing_and_says_each_object_is_unchanged(run, datadog_env, clock):
    created = apply(run)
    datadog_env.requests.clear()
    clock.now += timedelta(days=2, hours=3)  # Friday afternoon: the recurrences' first starts have moved on

    output = apply(run)

    assert datadog_env.sent() == reads(datadog_env)
    assert output == [line.replace('created', 'unchanged', 1) for line in created]


def test_a_changed_option_sends_only_the_fields_that_changed(run, datadog_env):
    apply(run)
    [downtime_id] = datadog_env.downtimes
    monitor_ids = list(datadog_env.monitors)
    datadog_env.requests.clear()

    output = apply(run, '--notify', '@bob@example.com')

    assert only_changes(datadog_env) == [
        *(('PUT', f'/api/v1/monitor/{monitor_id}') for monitor_id in monitor_ids),
        ('PATCH', f'/api/v2/downtime/{downtime_id}'),
    ]
    expected = dry_run(run, '--notify', '@bob@example.com')
    assert bodies(datadog_env, 'PUT') == [{'message': monitor['message']} for monitor in expected['monitors']]
    assert bodies(datadog_env, 'PATCH') == [
        {
            'data': {
                'type': 'downtime',
                'id': downtime_id,
                'attributes': {'message': expected['downtimes'][0]['data']['attributes']['message']},
            }
        }
    ]
    assert [line.split(': http')[0] for line in output] == [
        *(f"unchanged dashboard '{title}'" for title in DASHBOARDS),
        *(f"updated monitor '{name}' (message)" for name in MONITORS),
        "updated downtime 'my_metric quiet hours' (message)",
    ]


def test_a_changed_max_data_age_updates_the_freshness_monitor_and_the_overview(run, datadog_env):
    apply(run)
    datadog_env.requests.clear()

    output = apply(run, '--max-data-age', '5400')

    assert [line.split(': http')[0] for line in output if not line.startswith('unchanged')] == [
        "updated dashboard 'France electricity: overview' (widgets)",
        "updated monitor 'France electricity: eCO2mix data is stale' (message, options, query)",
    ]
    [monitor] = [monitor for monitor in datadog_env.monitors.values() if monitor['name'] == MONITORS[1]]
    assert (monitor['query'], monitor['options']['thresholds']) == (
        'min(last_30m):min:elec_france.data.age{*} > 16200',
        {'critical': 16200.0, 'warning': 5400.0},
    )


def test_apply_only_monitors_sends_nothing_else(run, datadog_env):
    run('apply', '--only', 'monitors', '--notify', '@alice@example.com')

    assert datadog_env.sent() == [('GET', '/api/v1/monitor'), *[('POST', '/api/v1/monitor')] * len(MONITORS)]


# Quiet hours under way


def test_apply_during_quiet_hours_silences_the_period_under_way_then_leaves_it_alone(run, datadog_env, clock):
    clock.now = datetime(2025, 3, 28, 19, 30, tzinfo=PARIS)  # Friday evening; clocks go forward on Sunday

    first = apply(run, '--only', 'downtimes')

    [period_id, recurring_id] = datadog_env.downtimes
    assert first == [
        "created downtime 'my_metric quiet period in progress, until 2025-03-31 09:00 Europe/Paris': "
        f'https://app.datadoghq.com/monitors/downtimes?id={period_id}',
        f"created downtime 'my_metric quiet hours': https://app.datadoghq.com/monitors/downtimes?id={recurring_id}",
    ]
    assert datadog_env.shown(period_id)['attributes']['schedule'] == {
        'start': '2025-03-28T18:30:00+00:00',
        'end': '2025-03-31T07:00:00+00:00',
    }
    assert datadog_env.shown(period_id)['attributes']['status'] == 'active'

    for later in (timedelta(hours=2), timedelta(days=1, hours=3), timedelta(days=7, minutes=45)):
        clock.now = datetime(2025, 3, 28, 19, 30, tzinfo=PARIS) + later
        datadog_env.requests.clear()
        output = apply(run, '--only', 'downtimes')

        assert only_changes(datadog_env) == []
        assert output[-1] == (
            f"unchanged downtime 'my_metric quiet hours': https://app.datadoghq.com/monitors/downtimes?id={recurring_id}"
        )
        assert output[0].endswith(': already silenced by the downtimes found')
    # A week later the one-off has ended; the recurring downtime silences the weekend on its own.
    assert datadog_env.shown(period_id)['attributes']['status'] == 'ended'
    assert datadog_env.shown(recurring_id)['attributes']['status'] == 'active'


def test_a_schedule_changed_during_quiet_hours_keeps_the_period_under_way_silenced(run, datadog_env, clock):
    apply(run, '--only', 'downtimes', '--timezone', 'UTC')
    [recurring_id] = datadog_env.downtimes
    clock.now = datetime(2025, 3, 13, 22, 0, tzinfo=PARIS)  # Thursday night
    datadog_env.requests.clear()

    output = apply(run, '--only', 'downtimes')

    # The period under way is silenced first, then the schedule moves: whatever the API then does to the
    # occurrence in progress, the night stays silenced to 09:00 Paris time.
    [period_id] = set(datadog_env.downtimes) - {recurring_id}
    assert only_changes(datadog_env) == [('POST', '/api/v2/downtime'), ('PATCH', f'/api/v2/downtime/{recurring_id}')]
    assert datadog_env.shown(period_id)['attributes']['schedule']['end'] == '2025-03-14T08:00:00+00:00'
    assert [line.split(': http')[0] for line in output] == [
        "created downtime 'my_metric quiet period in progress, until 2025-03-14 09:00 Europe/Paris'",
        "updated downtime 'my_metric quiet hours' (display_timezone, message, schedule)",
    ]


# Ownership: what the UI does to our objects, and objects that only look like ours


def test_a_monitor_renamed_in_the_ui_is_renamed_back_and_destroy_removes_it(run, datadog_env):
    apply(run)
    monitor_id = next(iter(datadog_env.monitors))
    datadog_env.monitors[monitor_id]['name'] = 'my_metric (renamed by a colleague)'
    datadog_env.requests.clear()

    output = apply(run)

    assert only_changes(datadog_env) == [('PUT', f'/api/v1/monitor/{monitor_id}')]
    assert bodies(datadog_env, 'PUT') == [{'name': MONITORS[0]}]
    assert f"updated monitor '{MONITORS[0]}' (name): https://app.datadoghq.com/monitors/{monitor_id}" in output
    assert len(datadog_env.monitors) == len(MONITORS)

    datadog_env.monitors[monitor_id]['name'] = 'my_metric (renamed again)'
    result = run('destroy')

    assert result.exit_code == 0, result.stderr
    assert datadog_env.monitors == {}
    assert f"deleted monitor 'my_metric (renamed again)' ({monitor_id})" in result.stdout.splitlines()


def test_a_dashboard_renamed_in_the_ui_is_renamed_back_and_destroy_removes_it(run, datadog_env):
    apply(run)
    dashboard_id = list(datadog_env.dashboards)[1]
    datadog_env.dashboards[dashboard_id]['title'] = 'Electricity (my copy of the title)'
    datadog_env.requests.clear()

    output = apply(run)

    assert only_changes(datadog_env) == [('PUT', f'/api/v1/dashboard/{dashboard_id}')]
    assert datadog_env.dashboards[dashboard_id]['title'] == DASHBOARDS[1]
    assert output[1] == (
        f"updated dashboard '{DASHBOARDS[1]}' (title): "
        f'https://app.datadoghq.com/dashboard/{dashboard_id}/france-electricity-overview'
    )

    datadog_env.dashboards[dashboard_id]['title'] = 'Renamed once more'
    assert run('destroy').exit_code == 0
    assert datadog_env.dashboards == {}


def test_tags_reordered_in_the_ui_change_nothing_and_destroy_still_removes_them(run, datadog_env):
    apply(run)
    for monitor in datadog_env.monitors.values():
        monitor['tags'].reverse()
    [downtime] = datadog_env.downtimes.values()
    downtime['attributes']['monitor_identifier']['monitor_tags'].reverse()
    downtime['attributes']['notify_end_types'].reverse()
    datadog_env.requests.clear()

    output = apply(run)

    assert only_changes(datadog_env) == []
    assert all(line.startswith('unchanged') for line in output)
    assert len(datadog_env.live_downtimes()) == 1

    assert run('destroy').exit_code == 0
    assert (datadog_env.dashboards, datadog_env.monitors, datadog_env.live_downtimes()) == ({}, {}, {})


def test_objects_that_look_like_ours_are_never_adopted_updated_or_deleted(run, datadog_env):
    # Hand-made: the same titles, names and tags as apply's, and the tags the previous versions used.
    foreign_dashboard = datadog_env.add_dashboard(DASHBOARDS[1], 'Managed by `datadog-exercise apply`: by hand.')
    foreign_monitor = datadog_env.add_monitor(MONITORS[0], ['managed_by:datadog-exercise', 'monitor:my_metric'])
    foreign_downtime = datadog_env.add_downtime(
        {'monitor_identifier': {'monitor_tags': MY_METRIC_TAGS}, 'scope': '*', 'message': 'Team quiet hours'}
    )
    foreign = (foreign_dashboard, foreign_monitor, foreign_downtime)

    def as_they_are():
        stores = (datadog_env.dashboards, datadog_env.monitors, datadog_env.downtimes)
        return json.dumps([store[object_id] for store, object_id in zip(stores, foreign, strict=True)])

    before = as_they_are()

    output = apply(run)

    assert [line.split(':', 1)[0].split(' ', 1)[0] for line in output] == ['created'] * 8
    assert not any(str(object_id) in request.path for request in datadog_env.requests for object_id in foreign)
    assert (len(datadog_env.dashboards), len(datadog_env.monitors), len(datadog_env.live_downtimes())) == (5, 4, 2)

    result = run('destroy')

    assert result.exit_code == 0, result.stderr
    assert (list(datadog_env.dashboards), list(datadog_env.monitors), list(datadog_env.live_downtimes())) == (
        [foreign_dashboard],
        [foreign_monitor],
        [foreign_downtime],
    )
    assert not any(str(object_id) in request.path for request in datadog_env.requests for object_id in foreign)
    assert as_they_are() == before


def test_a_copy_that_kept_the_identity_stops_apply_and_destroy_before_anything_changes(run, datadog_env):
    apply(run)
    [original, *_] = datadog_env.dashboards
    copy = datadog_env.add_dashboard('Clone of the timeboard', datadog_env.dashboards[original]['description'])
    datadog_env.requests.clear()

    results = [run('apply', *OPTIONS), run('destroy')]

    message = (
        f'Error: found 2 dashboards carrying datadog-exercise:id:exercise_timeboard ({original}, {copy}): a copy '
        'made in the UI keeps it. Remove it from the description of all but one, or delete the copies, then '
        'run again.\n'
    )
    assert [(result.exit_code, result.stderr) for result in results] == [(1, message), (1, message)]
    assert only_changes(datadog_env) == []


# Destroy


def test_destroy_removes_what_apply_made_and_nothing_else(run, datadog_env):
    unrelated_dashboard = datadog_env.add_dashboard('Team overview')
    unrelated_monitor = datadog_env.add_monitor('my_metric is high on {{host.name}} (staging)')
    same_tags_other_scope = datadog_env.add_downtime(
        {'monitor_identifier': {'monitor_tags': MY_METRIC_TAGS}, 'scope': 'env:staging'}
    )
    by_monitor_id = datadog_env.add_downtime({'monitor_identifier': {'monitor_id': unrelated_monitor}, 'scope': '*'})
    apply(run)
    [managed_downtime] = set(datadog_env.downtimes) - {same_tags_other_scope, by_monitor_id}
    dashboard_ids = {dashboard['title']: dashboard_id for dashboard_id, dashboard in datadog_env.dashboards.items()}
    monitor_ids = {monitor['name']: monitor_id for monitor_id, monitor in datadog_env.monitors.items()}

    result = run('destroy')

    assert result.exit_code == 0, result.stderr
    assert list(datadog_env.dashboards) == [unrelated_dashboard]
    assert list(datadog_env.monitors) == [unrelated_monitor]
    assert set(datadog_env.live_downtimes()) == {same_tags_other_scope, by_monitor_id}
    assert datadog_env.shown(managed_downtime)['attributes']['status'] == 'canceled'
    assert result.stdout.splitlines() == [
        f"deleted downtime 'my_metric_quiet_hours' ({managed_downtime})",
        *(f"deleted monitor '{name}' ({monitor_ids[name]})" for name in MONITORS),
        *(f"deleted dashboard '{title}' ({dashboard_ids[title]})" for title in DASHBOARDS),
    ]


def test_destroy_cancels_the_downtime_of_the_period_under_way_too(run, datadog_env, clock):
    clock.now = datetime(2025, 3, 12, 22, 0, tzinfo=PARIS)
    apply(run, '--only', 'downtimes')

    result = run('destroy', '--only', 'downtimes')

    assert result.exit_code == 0, result.stderr
    assert datadog_env.live_downtimes() == {}
    assert len(result.stdout.splitlines()) == 2


def test_destroy_then_apply_again_creates_a_new_downtime_rather_than_reviving_the_cancelled_one(run, datadog_env):
    apply(run)
    run('destroy', '--only', 'downtimes')

    assert apply(run, '--only', 'downtimes')[0].startswith("created downtime 'my_metric quiet hours'")
    assert len(datadog_env.live_downtimes()) == 1


def test_destroy_with_nothing_to_remove_says_so(run, datadog_env):
    datadog_env.add_dashboard('Team overview')

    result = run('destroy')

    assert (result.exit_code, result.stdout) == (
        0,
        'nothing to delete: no object carrying the identity that apply writes was found.\n',
    )
    assert datadog_env.sent('DELETE') == []


# Errors


def test_a_400_names_the_request_and_quotes_the_apis_own_error(run, datadog_env):
    datadog_env.refuse('POST', '/api/v1/monitor', 400, ["Invalid notification handle: '@nobody@example.com'"])

    result = run('apply', '--only', 'monitors', '--notify', '@nobody@example.com')

    assert (result.exit_code, result.stderr) == (
        1,
        "Error: Datadog rejected the request to create the monitor 'my_metric is high on {{host.name}}' "
        "(400 Bad Request): Invalid notification handle: '@nobody@example.com'. Fix what it names (an option "
        'such as --notify or --host, or the definition), then run again.\n',
    )


def test_a_403_says_to_check_the_keys_against_the_site(run, datadog_env, monkeypatch):
    monkeypatch.setenv('DD_APP_KEY', 'an-application-key-of-another-org')
    monkeypatch.setenv('DD_SITE', 'us5.datadoghq.com')

    result = run('apply', *OPTIONS)

    assert (result.exit_code, result.stderr) == (
        1,
        'Error: Datadog refused the keys for the request to list the dashboards (403 Forbidden: Forbidden): '
        'check that DD_API_KEY and DD_APP_KEY belong to the organisation on us5.datadoghq.com and that the '
        'application key may write dashboards, monitors and downtimes.\n',
    )
    assert datadog_env.sent() == [('GET', '/api/v1/dashboard')]


@pytest.mark.parametrize(
    ('command', 'path', 'doing'),
    [
        (['apply', *OPTIONS], '/api/v1/dashboard', 'list the dashboards'),
        (['apply', '--only', 'monitors', '--notify', '@ops'], '/api/v1/monitor', 'list the monitors'),
        (['destroy', '--only', 'downtimes'], '/api/v2/downtime', 'list the downtimes'),
    ],
    ids=['dashboards', 'monitors', 'downtimes'],
)
def test_a_404_on_a_listing_says_the_url_asked_is_not_the_datadog_api(run, datadog_env, command, path, doing):
    datadog_env.refuse('GET', path, 404, ['Not found'])

    result = run(*command)

    assert (result.exit_code, result.stderr) == (
        1,
        f'Error: {datadog_env.url}{path} answered 404 Not Found to the request to {doing}: there is no Datadog '
        'API there. Check DD_SITE (datadoghq.com) and DD_API_URL.\n',
    )


def test_a_404_on_an_object_found_a_moment_before_says_it_was_removed_meanwhile(run, datadog_env):
    apply(run)
    monitor_id = next(iter(datadog_env.monitors))
    datadog_env.refuse('PUT', f'/api/v1/monitor/{monitor_id}', 404, ['Monitor not found'])

    result = run('apply', *OPTIONS[:2], '--notify', '@bob@example.com', *OPTIONS[4:])

    assert result.stderr == (
        f"Error: Datadog could not update the monitor '{MONITORS[0]}' ({monitor_id}) (404 Not Found: Monitor not "
        'found): it was removed meanwhile; run again.\n'
    )


@pytest.mark.parametrize(
    ('variable', 'message'),
    [
        (
            'DD_API_KEY',
            'Error: DD_API_KEY is not set: export an API key of your Datadog organisation '
            '(Organization Settings > API Keys).\n',
        ),
        (
            'DD_APP_KEY',
            'Error: DD_APP_KEY is not set: export an application key (Organization Settings > Application Keys) '
            'of a user who may write dashboards, monitors and downtimes.\n',
        ),
    ],
)
@pytest.mark.parametrize('command', [['apply', *OPTIONS], ['destroy']], ids=['apply', 'destroy'])
def test_a_missing_key_is_named_before_anything_is_sent(run, datadog_env, monkeypatch, variable, message, command):
    monkeypatch.setenv(variable, '')

    result = run(*command)

    assert (result.exit_code, result.stderr) == (1, message)
    assert datadog_env.requests == []


def test_an_unknown_site_is_refused_with_the_list_of_sites(run, datadog_env, monkeypatch):
    monkeypatch.setenv('DD_SITE', 'datadoghq.fr')

    result = run('destroy')

    assert result.stderr == (
        'Error: DD_SITE=datadoghq.fr is not a Datadog site: set it to one of datadoghq.com, us3.datadoghq.com, '
        'us5.datadoghq.com, datadoghq.eu, ap1.datadoghq.com, ap2.datadoghq.com, ddog-gov.com.\n'
    )


def test_an_unreachable_api_says_where_it_tried(run, datadog_env, monkeypatch):
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        closed = f'http://127.0.0.1:{probe.getsockname()[1]}'
    monkeypatch.setenv('DD_API_URL', closed)

    result = run('destroy')

    assert result.exit_code == 1
    assert result.stderr.startswith(f'Error: cannot reach {closed} to list the downtimes: ')
    assert result.stderr.endswith('Connection refused. Check DD_SITE (or DD_API_URL) and the network.\n')
    assert result.stderr.count('\n') == 1


def test_the_keys_appear_in_no_output_and_no_log(run, datadog_env, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    outputs = [run('apply', *OPTIONS), run('apply', *OPTIONS)]
    datadog_env.refuse('PUT', f'/api/v1/monitor/{next(iter(datadog_env.monitors))}', 400, ['Bad monitor'])
    outputs.append(run('apply', *OPTIONS[:2], '--notify', '@bob@example.com', *OPTIONS[4:]))
    monkeypatch.setenv('DD_APP_KEY', 'wrong0123456789')
    outputs.append(run('destroy'))

    assert [result.exit_code for result in outputs] == [0, 0, 1, 1]
    for secret in (API_KEY, APP_KEY, 'wrong0123456789'):
        assert all(secret not in result.output for result in outputs)
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ('options', 'message'),
    [
        (
            ['--notify', '@alice@example.com'],
            'Error: --host is missing: give the host name the Agent reports my_metric from '
            '(`datadog-agent hostname` prints it), or set DD_HOSTNAME.\n',
        ),
        (
            ['--host', 'web-1 OR *', '--notify', '@alice@example.com'],
            "Error: --host 'web-1 OR *' is not a host name: give it as `datadog-agent hostname` prints it "
            '(letters, digits, dots, dashes, underscores).\n',
        ),
        (
            ['--host', 'web-1'],
            'Error: --notify is missing: give the handle to notify, such as @alice@example.com or @slack-ops.\n',
        ),
        (
            ['--host', 'web-1', '--notify', 'alice@example.com'],
            "Error: --notify 'alice@example.com' is not a notification handle: write it as Datadog does, "
            'such as @alice@example.com or @slack-ops.\n',
        ),
        (
            ['--host', 'web-1', '--notify', '@alice@example.com', '--timezone', 'Paris'],
            "Error: --timezone 'Paris' is not an IANA time zone: use a name such as Europe/Paris "
            'or America/New_York.\n',
        ),
        (
            ['--host', 'web-1', '--notify', '@alice@example.com', '--max-data-age', '1800'],
            'Error: max_data_age 1800 s is not above 2220 s, the age at which a healthy feed is merely late: '
            'the monitor would warn on every missed publication. Give a larger value.\n',
        ),
    ],
    ids=['no-host', 'bad-host', 'no-notify', 'bad-notify', 'bad-timezone', 'small-max-data-age'],
)
def test_a_bad_option_is_named_before_anything_is_sent(run, datadog_env, options, message):
    result = run('apply', *options)

    assert (result.exit_code, result.stderr) == (1, message)
    assert datadog_env.requests == []


def test_each_kind_asks_only_for_the_options_it_uses(run):
    assert run('apply', '--dry-run', '--only', 'dashboards', '--host', 'web-1').exit_code == 0
    assert run('apply', '--dry-run', '--only', 'monitors', '--notify', '@ops').exit_code == 0
