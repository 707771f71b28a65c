"""Every option checked once, for type, finiteness and range, with an error naming it (issue 10, item 11), and
never with a URL's userinfo in the error (item 5)."""

import pytest

from datadog_exercise.elec_france.check import ElecFranceCheck
from datadog_exercise.elec_france.config import Endpoint, parse_config

from feedserver import FeedServer

SECRET = 's3cr3t'
WRONG = {
    'timeout .nan': ({'timeout': float('nan')}, '`timeout` must be a number of seconds greater than 0 and at most 60'),
    'timeout .inf': ({'timeout': float('inf')}, '`timeout` must be a number of seconds greater than 0 and at most 60'),
    'timeout -.inf': ({'timeout': float('-inf')}, '`timeout` must be a number of seconds greater than 0'),
    'timeout 1e300': (
        {'timeout': 1e300},
        '`timeout` must be a number of seconds greater than 0 and at most 60, got 1e+300',
    ),
    'timeout 10**400': (
        {'timeout': 10**400},
        '`timeout` must be a number of seconds greater than 0 and at most 60, got an integer',
    ),
    'timeout true': (
        {'timeout': True},
        '`timeout` must be a number of seconds greater than 0 and at most 60, got True',
    ),
    'timeout text': (
        {'timeout': '10'},
        "`timeout` must be a number of seconds greater than 0 and at most 60, got '10'",
    ),
    'timeout 0': ({'timeout': 0}, '`timeout` must be a number of seconds greater than 0 and at most 60, got 0'),
    'max_data_age .nan': ({'max_data_age': float('nan')}, '`max_data_age` must be a whole number of seconds'),
    'max_data_age 1e300': ({'max_data_age': 1e300}, '`max_data_age` must be a whole number of seconds'),
    'max_data_age 10**400': (
        {'max_data_age': 10**400},
        '`max_data_age` must be a whole number of seconds greater than 0 and at most 604800, '
        'got an integer of 1329 bits',
    ),
    'max_data_age 8 days': (
        {'max_data_age': 8 * 86400},
        '`max_data_age` must be a whole number of seconds greater than 0 and at most 604800, got 691200',
    ),
    'eco2mix_url broken IPv6': (
        {'eco2mix_url': 'http://[::1/x'},
        "`eco2mix_url` must be an http(s) URL, got 'http://[::1/x' (Invalid IPv6 URL)",
    ),
    'eco2mix_url port 99999': (
        {'eco2mix_url': 'http://host:99999/x'},
        "`eco2mix_url` must be an http(s) URL, got 'http://host:99999/x' (Port out of range 0-65535)",
    ),
    'eco2mix_url port text': (
        {'eco2mix_url': 'http://host:port/x'},
        "`eco2mix_url` must be an http(s) URL, got 'http://host:port/x'",
    ),
    'eco2mix_url no host': ({'eco2mix_url': 'http:///x'}, "`eco2mix_url` must be an http(s) URL, got 'http:///x'"),
    'eco2mix_url space': (
        {'eco2mix_url': 'http://ho st/'},
        '`eco2mix_url` must be an http(s) URL of at most 2048 printable characters',
    ),
    'eco2mix_url control character': (
        {'eco2mix_url': 'http://host/\x00'},
        '`eco2mix_url` must be an http(s) URL of at most 2048',
    ),
    'eco2mix_url too long': (
        {'eco2mix_url': 'http://host/' + 'x' * 3000},
        '`eco2mix_url` must be an http(s) URL of at most 2048',
    ),
    'odre_url a number': ({'odre_url': 12}, '`odre_url` must be an http(s) URL, got 12'),
    'odre_url file': (
        {'odre_url': 'file:///etc/passwd'},
        "`odre_url` must be an http(s) URL, got 'file:///etc/passwd'",
    ),
    'source a list': ({'source': ['auto']}, '`source` must be one of auto, eco2mix, odre, got a list'),
    'clock a mapping': ({'clock': {}}, '`clock` must be one of host, document, got a dict'),
    'co2 text': ({'co2': 'true'}, "`co2` must be true or false, got 'true'"),
    'tags of numbers': ({'tags': [1]}, '`tags` must be a list of strings, got a list'),
    'a long value': (
        {'source': 'x' * 10_000},
        "`source` must be one of auto, eco2mix, odre, got '" + 'x' * 40 + "'...",
    ),
}


@pytest.mark.parametrize('options, message', WRONG.values(), ids=WRONG.keys())
def test_a_wrong_option_is_an_error_run_naming_it_before_any_request(options, message, dd_run_check, datadog_agent):
    with FeedServer() as server:
        instance = {'eco2mix_url': server.eco2mix_url, 'odre_url': server.odre_url, **options}
        check = ElecFranceCheck('elec_france', {}, [instance])

        with pytest.raises(Exception) as error:
            dd_run_check(check, extract_message=True)

        assert str(error.value).startswith(message), str(error.value)
        assert len(str(error.value)) < 400
        assert server.requests == []


@pytest.mark.parametrize(
    'url',
    [
        f'ftp://user:{SECRET}@host/x',
        f'http://user:{SECRET}@[::1/x',
        f'http://user:{SECRET}@host:99999/x',
        f'http://user:{SECRET}@/x',
        f'http://user:{SECRET}@host/ x',
    ],
)
def test_a_wrong_url_is_named_without_its_userinfo(url, dd_run_check, datadog_agent):
    check = ElecFranceCheck('elec_france', {}, [{'eco2mix_url': url}])

    with pytest.raises(Exception) as error:
        dd_run_check(check, extract_message=True)

    assert str(error.value).startswith('`eco2mix_url` must be an http(s) URL')
    assert SECRET not in str(error.value) and 'user' not in str(error.value)


def test_a_url_userinfo_becomes_basic_auth_and_leaves_the_url():
    config = parse_config({'eco2mix_url': f'https://rte%40user:{SECRET}%3A@eco2mix.example:8443/curves?x=1'})

    assert config.eco2mix == Endpoint('https://eco2mix.example:8443/curves?x=1', ('rte@user', f'{SECRET}:'))
    assert config.odre.auth is None


@pytest.mark.parametrize('timeout', [0.001, 1, 2.5, 60])
def test_the_timeout_range_is_open_at_zero_and_closed_at_a_minute(timeout):
    assert parse_config({'timeout': timeout}).timeout == timeout
