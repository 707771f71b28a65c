"""`datadog-exercise apply` and `destroy` against a local stand-in for the Datadog API."""

import json
import logging
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from datadog_stand_in import API_KEY, APP_KEY

from datadog_exercise.as_code import cli as as_code_cli

OPTIONS = ['--host', 'web-1', '--notify', '@alice@example.com', '--timezone', 'Europe/Paris']
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)

DASHBOARDS = [
    'Datadog exercise: my_metric and MySQL',
    'France electricity: overview',
    'France electricity: production detail',
]
MONITORS = ['my_metric is high on {{host.name}}', 'France electricity: eCO2mix data is stale']
LISTINGS = [
    ('GET', '/api/v1/dashboard'),
    ('GET', '/api/v1/monitor'),
    ('GET', '/api/v1/monitor'),
    ('GET', '/api/v2/downtime'),
]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    # The downtime's first starts follow the clock; a fixed one makes every run send the same bodies.
    monkeypatch.setattr(as_code_cli, 'current_time', lambda: NOW)


def dry_run(run):
    result = run('apply', '--dry-run', *OPTIONS)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def apply(run, *options):
    result = run('apply', *OPTIONS, *options)
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()


def bodies(stand_in, method):
    return [request.body for request in stand_in.requests if request.method == method]


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
    assert len(document['downtimes']) == 1
    assert stand_in.requests == []


def test_dry_run_prints_only_the_kinds_asked_for(run):
    result = run('apply', '--dry-run', '--only', 'monitors', '--notify', '@alice@example.com')

    document = json.loads(result.stdout)
    assert (len(document['dashboards']), len(document['monitors']), len(document['downtimes'])) == (0, 2, 0)


def test_first_apply_looks_everything_up_then_creates_each_object_with_its_dry_run_body(run, datadog_env):
    expected = dry_run(run)

    apply(run)

    assert datadog_env.sent() == [
        *LISTINGS,
        ('POST', '/api/v1/dashboard'),
        ('POST', '/api/v1/dashboard'),
        ('POST', '/api/v1/dashboard'),
        ('POST', '/api/v1/monitor'),
        ('POST', '/api/v1/monitor'),
        ('POST', '/api/v2/downtime'),
    ]
    assert bodies(datadog_env, 'POST') == expected['dashboards'] + expected['monitors'] + expected['downtimes']


def test_objects_are_looked_up_by_listing_dashboards_and_downtimes_and_monitors_by_name(run, datadog_env):
    apply(run)

    assert [request.query for request in datadog_env.requests if request.method == 'GET'] == [
        {'count': '100'},
        {'name': MONITORS[0]},
        {'name': MONITORS[1]},
        {'page[limit]': '30'},
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
        "created monitor 'my_metric is high on {{host.name}}': https://app.datadoghq.eu/monitors/1004",
        "created monitor 'France electricity: eCO2mix data is stale': https://app.datadoghq.eu/monitors/1005",
        "created downtime 'my_metric quiet hours': "
        'https://app.datadoghq.eu/monitors/downtimes?id=00000000-0000-0000-0000-000000000006',
    ]


def test_second_apply_updates_every_object_in_place_and_creates_none(run, datadog_env):
    expected = dry_run(run)
    created = apply(run)
    dashboard_ids = list(datadog_env.dashboards)
    monitor_ids = list(datadog_env.monitors)
    [downtime_id] = datadog_env.downtimes
    datadog_env.requests.clear()

    output = apply(run)

    assert datadog_env.sent() == [
        *LISTINGS,
        *(('PUT', f'/api/v1/dashboard/{dashboard_id}') for dashboard_id in dashboard_ids),
        *(('PUT', f'/api/v1/monitor/{monitor_id}') for monitor_id in monitor_ids),
        ('PATCH', f'/api/v2/downtime/{downtime_id}'),
    ]
    assert bodies(datadog_env, 'PUT') == expected['dashboards'] + expected['monitors']
    assert bodies(datadog_env, 'PATCH') == [{'data': {**expected['downtimes'][0]['data'], 'id': downtime_id}}]
    assert output == [line.replace('created', 'updated', 1) for line in created]
    assert (len(datadog_env.dashboards), len(datadog_env.monitors), len(datadog_env.downtimes)) == (3, 2, 1)


def test_apply_only_monitors_sends_nothing_else(run, datadog_env):
    run('apply', '--only', 'monitors', '--notify', '@alice@example.com')

    assert datadog_env.sent() == [
        ('GET', '/api/v1/monitor'),
        ('GET', '/api/v1/monitor'),
        ('POST', '/api/v1/monitor'),
        ('POST', '/api/v1/monitor'),
    ]


def test_destroy_removes_what_apply_manages_and_nothing_else(run, datadog_env):
    unrelated_dashboard = datadog_env.add_dashboard('Team overview')
    # The API's name filter also returns this one; only the exact name is ours.
    unrelated_monitor = datadog_env.add_monitor('my_metric is high on {{host.name}} (staging)')
    same_tags_other_scope = datadog_env.add_downtime(
        {
            'monitor_identifier': {'monitor_tags': ['managed_by:datadog-exercise', 'monitor:my_metric']},
            'scope': 'env:staging',
        }
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
    assert datadog_env.downtimes[managed_downtime]['attributes']['status'] == 'canceled'
    assert result.stdout.splitlines() == [
        f"deleted downtime 'my_metric quiet hours' ({managed_downtime})",
        *(f"deleted monitor '{name}' ({monitor_ids[name]})" for name in MONITORS),
        *(f"deleted dashboard '{title}' ({dashboard_ids[title]})" for title in DASHBOARDS),
    ]


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
        'nothing to delete: none of the objects that apply manages was found.\n',
    )
    assert datadog_env.sent('DELETE') == []


def test_apply_changes_nothing_when_two_dashboards_carry_a_managed_title(run, datadog_env):
    first = datadog_env.add_dashboard('France electricity: overview')
    second = datadog_env.add_dashboard('France electricity: overview')

    result = run('apply', *OPTIONS)

    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: found 2 dashboards for the dashboard 'France electricity: overview' ({first}, {second}): "
        'delete all but one in Datadog, or all of them with `datadog-exercise destroy`, then apply again.\n',
    )
    assert datadog_env.sent('POST', 'PUT', 'PATCH', 'DELETE') == []


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
    assert result.stderr.startswith(f'Error: cannot reach {closed} to list the dashboards: ')
    assert result.stderr.endswith('Connection refused. Check DD_SITE (or DD_API_URL) and the network.\n')
    assert result.stderr.count('\n') == 1


def test_the_keys_appear_in_no_output_and_no_log(run, datadog_env, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    outputs = [run('apply', *OPTIONS), run('apply', *OPTIONS)]
    datadog_env.refuse('PUT', f'/api/v1/monitor/{next(iter(datadog_env.monitors))}', 400, ['Bad monitor'])
    outputs.append(run('apply', *OPTIONS))
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
    ],
    ids=['no-host', 'bad-host', 'no-notify', 'bad-notify', 'bad-timezone'],
)
def test_a_bad_option_is_named_before_anything_is_sent(run, datadog_env, options, message):
    result = run('apply', *options)

    assert (result.exit_code, result.stderr) == (1, message)
    assert datadog_env.requests == []


def test_each_kind_asks_only_for_the_options_it_uses(run):
    assert run('apply', '--dry-run', '--only', 'dashboards', '--host', 'web-1').exit_code == 0
    assert run('apply', '--dry-run', '--only', 'monitors', '--notify', '@ops').exit_code == 0
