"""scripts/create-timeboard.sh: the exercise's curl call, quoted so that 'basic' reaches the API intact."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from datadog_stand_in import API_KEY, APP_KEY

from datadog_exercise.as_code import dashboards
from datadog_exercise.as_code.wire import wire_body

SCRIPT = Path(__file__).resolve().parents[2] / 'scripts' / 'create-timeboard.sh'

# The call as the exercise typed it: the body in one single-quoted argument, single quotes inside it.
ORIGINAL_CALL = (
    'curl -s -X POST "$DD_API_URL/api/v1/dashboard" -H "Content-Type: application/json" '
    '-H "DD-API-KEY: $DD_API_KEY" -H "DD-APPLICATION-KEY: $DD_APP_KEY" '
    """-d '{"title": "Exercise", "layout_type": "ordered", "widgets": [{"definition": {"type": "timeseries", """
    """"requests": [{"q": "anomalies(avg:mysql.performance.cpu_time{*}, 'robust', 2)"}]}}]}'"""
)


def needed(program):
    path = shutil.which(program)
    if path is None:
        if os.environ.get('CI') == 'true':
            pytest.fail(f'{program} is not installed; scripts/test installs it')
        pytest.skip(f'{program} is not installed')
    return path


def environment(stand_in, **overrides):
    variables = {name: value for name, value in os.environ.items() if not name.startswith('DD_')}
    variables.update({'DD_API_URL': stand_in.url, 'DD_API_KEY': API_KEY, 'DD_APP_KEY': APP_KEY, **overrides})
    return {name: value for name, value in variables.items() if value is not None}


def run_script(stand_in, *args, **overrides):
    needed('curl')
    return subprocess.run(
        [str(SCRIPT), *args], env=environment(stand_in, **overrides), capture_output=True, text=True, timeout=30
    )


def test_script_is_shellcheck_clean():
    result = subprocess.run([needed('shellcheck'), str(SCRIPT)], capture_output=True, text=True, check=False)

    assert (result.returncode, result.stdout) == (0, '')


def test_script_posts_the_timeboard_with_the_quotes_around_basic_intact(stand_in):
    result = run_script(stand_in, 'web-1')

    assert result.returncode == 0, result.stderr
    [request] = stand_in.requests
    assert (request.method, request.target) == ('POST', '/api/v1/dashboard')
    assert b'"formula": "anomalies(query1, \'basic\', 2)"' in request.raw_body
    assert request.body == wire_body(dashboards.exercise_timeboard('web-1'), 'dashboard')
    assert (request.headers['dd-api-key'], request.headers['dd-application-key']) == (API_KEY, APP_KEY)
    assert json.loads(result.stdout)['id'] in stand_in.dashboards


def test_the_original_single_quoted_call_sends_robust_without_its_quotes(stand_in):
    needed('curl')

    subprocess.run(['bash', '-c', ORIGINAL_CALL], env=environment(stand_in), capture_output=True, timeout=30)

    [request] = stand_in.requests
    [query] = request.body['widgets'][0]['definition']['requests']
    assert query['q'] == 'anomalies(avg:mysql.performance.cpu_time{*}, robust, 2)'


def test_script_refuses_a_missing_key_before_calling_out(stand_in):
    result = run_script(stand_in, 'web-1', DD_APP_KEY=None)

    assert (result.returncode, result.stderr) == (
        2,
        'error: DD_APP_KEY is not set: export an application key of your Datadog organisation\n',
    )
    assert stand_in.requests == []


def test_script_refuses_a_host_that_would_break_the_query(stand_in):
    result = run_script(stand_in, 'web-1} OR {*')

    assert (result.returncode, result.stderr) == (
        2,
        "error: 'web-1} OR {*' is not a host name: give it as `datadog-agent hostname` prints it\n",
    )


def test_script_fails_with_the_apis_error_text(stand_in):
    stand_in.refuse('POST', '/api/v1/dashboard', 400, ["Invalid query: Rule 'scope_expr' didn't match"])

    result = run_script(stand_in, 'web-1')

    assert result.returncode == 22  # curl --fail-with-body on an HTTP error
    assert json.loads(result.stdout) == {'errors': ["Invalid query: Rule 'scope_expr' didn't match"]}


def test_apply_then_manages_the_dashboard_the_script_made(stand_in, clock, datadog_env, run):
    assert run_script(stand_in, 'web-1').returncode == 0
    [dashboard_id] = stand_in.dashboards

    result = run('apply', '--only', 'dashboards', '--host', 'web-1')

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "unchanged dashboard 'Datadog exercise: my_metric and MySQL': "
        f'https://app.datadoghq.com/dashboard/{dashboard_id}/datadog-exercise-my-metric-and-mysql'
    )
    assert len(stand_in.dashboards) == 4
