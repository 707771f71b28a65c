"""The persistent cache read as hostile (issue 10, item 9): any JSON at all, any text, and any bytes or a folder
at an entry (which the Agent cannot hand over) is either a valid state or a fresh start; never an exception, never
a state that stops fetching or submits what the check would not."""

import copy
import itertools
import json
import math
import tempfile
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadog_exercise.eco2mix.labels import FORECASTS, KNOWN_SERIES, SeriesKey
from datadog_exercise.eco2mix.model import Snapshot
from datadog_exercise.elec_france import policy
from datadog_exercise.elec_france.check import ElecFranceCheck
from datadog_exercise.elec_france.metrics import snapshot_metrics
from datadog_exercise.elec_france.state import FetchState
from datadog_exercise.runner import persistentcache
from datadog_exercise.runner.builtins import DatadogAgent

from feedserver import Answer, FeedServer
from support import FIXTURES, NATIONAL_ONLY, run_cli

NOW = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC).timestamp()
START = datetime(2023, 9, 22, 0, 0, tzinfo=UTC)
VALUES = {key: 100.0 for key in KNOWN_SERIES} | {SeriesKey('consumption'): 36278.0} | dict.fromkeys(FORECASTS, 36000.0)
VALID = FetchState(
    snapshot=Snapshot('eco2mix', START, VALUES),
    as_of=datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC),
    co2=(START, 12.0),
    co2_fetched_at=NOW - 60,
    next_fetch_at=NOW + 600,
    failures=2,
    last_error='eco2mix: boom',
)
VALID_JSON = json.loads(VALID.to_json())
STATE_KEY = 'elec_france:state_test_state'


def saved(**changes):
    """The valid saved state with some fields replaced (`None` as a value removes nothing: it is JSON null)."""
    state = copy.deepcopy(VALID_JSON)
    for path, value in changes.items():
        target = state
        *parents, leaf = path.split('__')
        for parent in parents:
            target = target[int(parent) if parent.isdigit() else parent]
        target[int(leaf) if leaf.isdigit() else leaf] = value
    return json.dumps(state)


def assert_sound(state):
    """What any loaded state must be: what the check writes itself, and harmless to report."""
    assert isinstance(state, FetchState)
    assert FetchState.from_json(state.to_json()) == state
    assert math.isfinite(state.next_fetch_at) and 0 <= state.failures <= 1_000_000
    current = policy.within_clock(state, NOW)
    assert current.next_fetch_at <= NOW + policy.MAX_FETCH_DELAY_SECONDS
    if current.snapshot is not None:
        assert all(math.isfinite(value) for _, value, _ in snapshot_metrics(current.snapshot))


def test_a_saved_state_round_trips():
    assert FetchState.from_json(VALID.to_json()) == VALID


CORRUPT = {
    'failures Infinity': VALID.to_json().replace('"failures":2', '"failures":Infinity'),
    'failures 10^400': VALID.to_json().replace('"failures":2', '"failures":1' + '0' * 400),
    'failures negative': saved(failures=-3),
    'failures true': saved(failures=True),
    'failures 2.5': saved(failures=2.5),
    'next_fetch_at NaN': VALID.to_json().replace(f'"next_fetch_at":{NOW + 600}', '"next_fetch_at":NaN'),
    'next_fetch_at text': saved(next_fetch_at='soon'),
    'next_fetch_at missing': json.dumps({k: v for k, v in VALID_JSON.items() if k != 'next_fetch_at'}),
    'co2_fetched_at text': saved(co2_fetched_at='x'),
    'co2 reading text': saved(co2=['x', 12.0]),
    'co2 reading Infinity': VALID.to_json().replace(',12.0]', ',Infinity]'),
    'co2 reading implausible': saved(co2__1=1e9),
    'as_of naive': saved(as_of='2023-09-22T00:21:09'),
    'as_of yesterday': saved(as_of='yesterday'),
    'snapshot holding only nuclear': saved(snapshot__values=[['nuclear', None, 37536.0]]),
    'snapshot with an unknown series': saved(snapshot__values__0=['dark_matter', None, 1.0]),
    'snapshot with a minted technology': saved(snapshot__values__0=['gas', 'X123', 1.0]),
    'snapshot value 1e307': saved(snapshot__values__0__2=1e307),
    'snapshot value text': saved(snapshot__values__0__2='37536'),
    'snapshot feed unknown': saved(snapshot__feed='rte'),
    'snapshot start off the quarter-hour': saved(snapshot__start='2023-09-22T00:07:00+00:00'),
    'snapshot start in year 1': saved(snapshot__start='0001-01-01T00:00:00+00:00'),
    'snapshot of 10^5 values': saved(snapshot__values=[['nuclear', None, 1.0]] * 100_000),
    'last_error a number': saved(last_error=12),
    'last_error a megabyte': saved(last_error='x' * 1_000_000),
    'format 2': saved(format=2),
    'a list': '[1, 2]',
    'null': 'null',
    'nested 100000 deep': '[' * 100_000 + ']' * 100_000,
    'not JSON': '{not json',
    'empty': '',
}


@pytest.mark.parametrize('text', CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_cache_is_a_fresh_start(text):
    state = FetchState.from_json(text)

    assert state == FetchState()


@pytest.fixture
def server():
    with FeedServer() as running:
        running.serve('mix', Answer((FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()))
        running.serve('co2', Answer((FIXTURES / 'eco2mix_co2_2023-09-21_22.xml').read_bytes()))
        yield running


@pytest.mark.parametrize('text', CORRUPT.values(), ids=CORRUPT.keys())
def test_the_check_on_a_corrupt_cache_fetches_afresh_and_reports(text, server, datadog_agent, dd_run_check, aggregator):
    datadog_agent.write_persistent_cache(STATE_KEY, text)
    check = ElecFranceCheck(
        'elec_france', {}, [{'eco2mix_url': server.eco2mix_url, 'source': 'eco2mix', **NATIONAL_ONLY}]
    )
    check.check_id = 'elec_france:state_test'
    check.clock = lambda: NOW

    dd_run_check(check)

    assert server.count('mix') == 1
    aggregator.assert_metric('elec_france.consumption', 36278, count=1)
    assert FetchState.from_json(datadog_agent.read_persistent_cache(STATE_KEY)) == check.state


# ---- properties -------------------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([10**400, -(10**20), 2**63])
    | st.floats()  # inf and nan included: json.dumps writes Infinity and NaN
    | st.text(max_size=30)
    | st.sampled_from(['2023-09-22T00:00:00+00:00', '2099-01-01T00:00:00+00:00', 'nuclear', 'eco2mix', 'odre'])
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=14), children, max_size=5),
    max_leaves=20,
)
PATHS = [
    *(key for key in VALID_JSON),
    'snapshot__feed',
    'snapshot__start',
    'snapshot__values',
    'snapshot__values__0',
    'snapshot__values__0__0',
    'snapshot__values__0__1',
    'snapshot__values__0__2',
    'co2__0',
    'co2__1',
]


def dumps(value):
    try:
        return json.dumps(value)
    except ValueError:  # a 5000-digit integer: Python's own digit limit, before the check sees anything
        return '0'


@SETTINGS
@given(JSON)
def test_any_json_is_a_valid_state_or_a_fresh_start(value):
    assert_sound(FetchState.from_json(dumps(value)))


@SETTINGS
@given(st.dictionaries(st.sampled_from(PATHS), JSON, min_size=1, max_size=3))
def test_a_saved_state_with_any_fields_replaced_is_a_valid_state_or_a_fresh_start(changes):
    try:
        text = saved(**changes)
    except (IndexError, KeyError, TypeError):  # a path through a field an earlier change replaced
        return
    assert_sound(FetchState.from_json(text))


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_is_a_valid_state_or_a_fresh_start(text):
    assert_sound(FetchState.from_json(text))


COUNTER = itertools.count()


def run_once(server, check_id, aggregator):
    """One run of the national check with the persistent cache of `check_id`: no error, finite metrics only."""
    check = ElecFranceCheck(
        'elec_france', {}, [{'eco2mix_url': server.eco2mix_url, 'source': 'eco2mix', **NATIONAL_ONLY}]
    )
    check.check_id = check_id
    check.clock = lambda: NOW
    aggregator.reset()
    assert check.run() == ''
    for name in aggregator.metric_names:
        assert all(math.isfinite(sample.value) for sample in aggregator.metrics(name))
    return check


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(changes=st.dictionaries(st.sampled_from(PATHS), JSON, min_size=1, max_size=2))
def test_the_check_runs_on_any_cache(changes, server, datadog_agent, aggregator):
    try:
        text = saved(**changes)
    except (IndexError, KeyError, TypeError):
        return
    check_id = f'elec_france:cache{next(COUNTER)}'
    datadog_agent.write_persistent_cache(f'{check_id}_state', text)

    check = run_once(server, check_id, aggregator)

    assert check.state.next_fetch_at <= NOW + policy.MAX_FETCH_DELAY_SECONDS


# What the Agent cannot hand over as text (rtloader's datadog_agent.c read_persistent_cache): bytes that are not
# UTF-8 raise UnicodeDecodeError in the check, an entry that is a folder RuntimeError('failed to read data').
UNREADABLE = {
    'not_utf8': lambda path: path.write_bytes(b'{"next_fetch_at": \xff\xfe}'),
    'a_folder': lambda path: (path.unlink(), path.mkdir()),
}


@pytest.mark.parametrize('spoil', UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_cache_entry_the_agent_cannot_read_is_a_fresh_start_said_in_a_warning(spoil, server, tmp_path):
    conf = tmp_path / 'conf.yaml'
    instance = {'eco2mix_url': server.eco2mix_url, 'source': 'eco2mix', 'clock': 'document', **NATIONAL_ONLY}
    conf.write_text(json.dumps({'init_config': {}, 'instances': [instance]}))
    run_path = tmp_path / 'run'
    first = run_cli('check', 'elec_france', '--conf', conf, '--run-path', run_path, '--json')
    assert first.returncode == 0, first.stderr
    entries = sorted((run_path / 'elec_france').iterdir())
    assert entries, 'the first run saved nothing'
    for entry in entries:
        spoil(entry)
    fetched = len(server.requests)

    second = run_cli('check', 'elec_france', '--conf', conf, '--run-path', run_path, '--json')

    assert second.returncode == 0, second.stdout + second.stderr
    assert len(server.requests) > fetched  # fetched afresh, not stopped
    assert 'could not be read' in second.stdout and 'starting afresh' in second.stdout
    assert '"elec_france.can_connect"' in second.stdout


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(content=st.one_of(st.binary(max_size=300), st.just(None)), key=st.sampled_from(['state', 'cross_check']))
def test_any_bytes_or_a_folder_at_a_cache_entry_leave_the_check_running(
    content, key, server, datadog_agent, aggregator
):
    """The runner's persistent cache (the Agent's contract, on real files) in place of the test stub's."""
    check_id = f'elec_france:bytes{next(COUNTER)}'
    with tempfile.TemporaryDirectory() as run_path, pytest.MonkeyPatch.context() as patch:
        agent = DatadogAgent('vm', run_path, report=lambda line: None)
        patch.setattr(datadog_agent, 'read_persistent_cache', agent.read_persistent_cache)
        patch.setattr(datadog_agent, 'write_persistent_cache', agent.write_persistent_cache)
        entry = persistentcache.cache_file(run_path, f'{check_id}_{key}')
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.mkdir() if content is None else entry.write_bytes(content)

        run_once(server, check_id, aggregator)

    assert aggregator.service_checks('elec_france.can_connect')
