"""The exercise's Flask app, traced by `ddtrace-run` under gunicorn, as Datadog's test agent receives it.

Real processes: Datadog's `ddapm-test-agent` stands in for the Agent's trace intake, and the app runs as
`ddtrace-run datadog-exercise apm serve`, the command a user runs.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from datadog_exercise import __version__
from datadog_exercise.cli import main

BIN = Path(sys.executable).parent
SERVICE, ENV, VERSION = 'exercise-app', 'test', '1.2.3'
ERROR_PATH = '/api/error'
DEADLINE = 15


def executable(name):
    path = shutil.which(name, path=str(BIN))
    assert path, f'{name} is not installed next to {sys.executable}: run scripts/setup'
    return path


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def environment(**settings):
    # The developer's own DD_* settings (an Agent URL, a service name) must not leak into the processes.
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(('DD_', '_DD_'))}
    return {**inherited, **settings}


def start(command, log, env):
    # Own session, so that teardown reaches gunicorn's workers too.
    with log.open('w') as output:
        return subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=log.parent, start_new_session=True
        )


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until(ready, process, log, what):
    deadline = time.monotonic() + DEADLINE
    while not ready():
        if process.poll() is not None:
            pytest.fail(f'{what} exited with {process.returncode}:\n{log.read_text()}')
        if time.monotonic() > deadline:
            pytest.fail(f'{what} not ready after {DEADLINE} s:\n{log.read_text()}')
        time.sleep(0.05)


def answers(url):
    try:
        return requests.get(url, timeout=1).ok
    except requests.ConnectionError:
        return False


def listens(port):
    # A bare TCP connection: an HTTP request would make a trace of its own.
    with socket.socket() as probe:
        return probe.connect_ex(('127.0.0.1', port)) == 0


class ApmTestAgent:
    def __init__(self, url):
        self.url = url

    def traces(self, user_agent, expected):
        """The traces of the requests sent with `user_agent`, once `expected` of them arrived, oldest first."""
        deadline = time.monotonic() + DEADLINE
        while True:
            response = requests.get(f'{self.url}/test/traces', timeout=5)
            response.raise_for_status()
            traces = [trace for trace in response.json() if root(trace)['meta'].get('http.useragent') == user_agent]
            if len(traces) >= expected or time.monotonic() > deadline:
                return sorted(traces, key=lambda trace: root(trace)['start'])
            time.sleep(0.1)


def root(trace):
    [span] = [span for span in trace if span['parent_id'] == 0]
    return span


@pytest.fixture(scope='module')
def test_agent(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp('test-agent') / 'test-agent.log'
    process = start([executable('ddapm-test-agent'), '--port', str(port), '--log-level', 'WARNING'], log, environment())
    try:
        url = f'http://127.0.0.1:{port}'
        wait_until(lambda: answers(f'{url}/info'), process, log, 'ddapm-test-agent')
        yield ApmTestAgent(url)
    finally:
        stop(process)


@pytest.fixture(scope='module')
def app(test_agent, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp('app') / 'app.log'
    env = environment(
        DD_TRACE_AGENT_URL=test_agent.url,
        DD_SERVICE=SERVICE,
        DD_ENV=ENV,
        DD_VERSION=VERSION,
        # Flush every 0.1 s instead of every second, so that the test agent has the traces promptly.
        DD_TRACE_WRITER_INTERVAL_SECONDS='0.1',
        DD_INSTRUMENTATION_TELEMETRY_ENABLED='false',
        DD_REMOTE_CONFIGURATION_ENABLED='false',
    )
    command = [executable('ddtrace-run'), executable('datadog-exercise'), 'apm', 'serve', '--port', str(port)]
    process = start(command, log, env)
    try:
        wait_until(lambda: listens(port), process, log, 'the app')
        yield f'http://127.0.0.1:{port}'
    finally:
        stop(process)


@pytest.fixture
def user_agent():
    # Tells this test's traces apart from those of earlier tests that the tracer may still be flushing.
    return f'test-{uuid.uuid4().hex}'


ROUTES = [
    ('/', 200, 'Entrypoint to the Application'),
    ('/api/apm', 200, 'Getting APM Started'),
    ('/api/trace', 200, 'Posting Traces'),
]


@pytest.mark.parametrize('path, status, body', ROUTES)
def test_each_exercise_route_answers_with_its_sentence(app, path, status, body):
    response = requests.get(app + path, timeout=5)

    assert (response.status_code, response.text) == (status, body)


def test_error_route_answers_500(app):
    response = requests.get(app + ERROR_PATH, timeout=5)

    assert response.status_code == 500


@pytest.mark.parametrize(
    'path, status, error', [(path, status, 0) for path, status, _ in ROUTES] + [(ERROR_PATH, 500, 1)]
)
def test_each_request_is_one_flask_trace_with_resource_service_tags_status_and_error_flag(
    app, test_agent, user_agent, path, status, error
):
    requests.get(app + path, headers={'User-Agent': user_agent}, timeout=5)

    [trace] = test_agent.traces(user_agent, expected=1)
    span = root(trace)
    assert (span['name'], span['resource'], span['type'], span['service']) == (
        'flask.request',
        f'GET {path}',
        'web',
        SERVICE,
    )
    assert (span['meta']['env'], span['meta']['version']) == (ENV, VERSION)
    assert (span['meta']['http.status_code'], span['meta']['http.method'], span['meta']['http.route']) == (
        str(status),
        'GET',
        path,
    )
    assert span['error'] == error


def test_error_trace_names_the_exception_and_its_message(app, test_agent, user_agent):
    requests.get(app + ERROR_PATH, headers={'User-Agent': user_agent}, timeout=5)

    [trace] = test_agent.traces(user_agent, expected=1)
    [handler] = [span for span in trace if span['resource'] == ERROR_PATH]
    assert handler['error'] == 1
    assert handler['meta']['error.type'] == 'datadog_exercise.apm.app.ExerciseError'
    assert handler['meta']['error.message'] == 'This route always fails, to show error tracking'
    assert 'raise ExerciseError' in handler['meta']['error.stack']


def test_traffic_requests_the_routes_in_turn_no_faster_than_the_rate(app, test_agent):
    count, rate = 8, 20.0

    result = subprocess.run(
        [executable('datadog-exercise'), 'apm', 'traffic', '--url', app, '--count', str(count), '--rate', str(rate)],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        env=environment(),
    )

    assert result.returncode == 0, result.stderr
    summary = re.fullmatch(r'Sent 8 requests in (\d+\.\d) s: 6 x HTTP 200, 2 x HTTP 500\n', result.stdout)
    assert summary, result.stdout
    assert float(summary.group(1)) >= (count - 1) / rate
    traces = test_agent.traces(f'datadog-exercise-traffic/{__version__}', expected=count)
    assert [root(trace)['resource'] for trace in traces] == 2 * [
        'GET /',
        'GET /api/apm',
        'GET /api/trace',
        f'GET {ERROR_PATH}',
    ]
    starts = [root(trace)['start'] / 1e9 for trace in traces]
    # The first request's connection set-up may delay its span by a few milliseconds, hence the slack.
    assert starts[-1] - starts[0] >= (count - 1) / rate - 0.02


def test_traffic_to_an_app_that_is_not_running_stops_with_one_line():
    url = f'http://127.0.0.1:{free_port()}'

    result = CliRunner().invoke(main, ['apm', 'traffic', '--url', url, '--count', '3'])

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f'Error: cannot reach {url}/: connection refused or host unreachable; '
        'is the app running (datadog-exercise apm serve)?'
    )


@pytest.mark.parametrize(
    'arguments, message',
    [
        (['--url', '127.0.0.1:5050'], "'127.0.0.1:5050' is not an http(s) URL; give one like http://127.0.0.1:5050"),
        (['--path', 'api/apm'], "'api/apm' does not start with /; give a path like /api/apm"),
        (['--rate', '0'], '0.0 is not in the range 0<x<=1000.'),
        (['--count', '0'], '0 is not in the range 1<=x<=10000.'),
    ],
)
def test_traffic_rejects_bad_options_naming_them(arguments, message):
    result = CliRunner().invoke(main, ['apm', 'traffic', *arguments])

    assert result.exit_code == 2
    assert message in result.stderr


def test_serve_without_ddtrace_run_warns_that_nothing_is_traced(tmp_path):
    process = subprocess.Popen(
        [executable('datadog-exercise'), 'apm', 'serve', '--port', str(free_port())],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
        start_new_session=True,
    )
    try:
        first_line = process.stderr.readline()
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        process.stderr.close()

    assert first_line == (
        'warning: not traced; start the app with `ddtrace-run datadog-exercise apm serve` to send traces\n'
    )


def test_serve_stops_cleanly_on_sigterm_and_flushes_the_last_traces(test_agent, user_agent, tmp_path):
    port = free_port()
    log = tmp_path / 'app.log'
    # A minute between flushes: the trace can only arrive through the flush at shutdown.
    env = environment(DD_TRACE_AGENT_URL=test_agent.url, DD_TRACE_WRITER_INTERVAL_SECONDS='60')
    command = [executable('ddtrace-run'), executable('datadog-exercise'), 'apm', 'serve', '--port', str(port)]
    process = start(command, log, env)
    try:
        wait_until(lambda: listens(port), process, log, 'the app')
        requests.get(f'http://127.0.0.1:{port}/api/apm', headers={'User-Agent': user_agent}, timeout=5)
    finally:
        stop(process)

    assert process.returncode == 0, log.read_text()
    assert 'Traceback' not in log.read_text()
    [trace] = test_agent.traces(user_agent, expected=1)
    assert root(trace)['resource'] == 'GET /api/apm'
