"""What one fetch does with what a server sends, over real loopback HTTP (issue 10, items 4, 5 and 10): redirects
followed by the check itself (same host, never to plain http, never with credentials), bodies decompressed
within the cap, no URL userinfo in any message, warning or log, and Retry-After honoured in both forms up to
an hour, with the service check saying until when."""

import email.utils
import gzip
import logging
import zlib
from datetime import UTC, datetime

import pytest
from datadog_checks.base import AgentCheck

from datadog_exercise.elec_france.check import ElecFranceCheck
from datadog_exercise.elec_france.feeds import MAX_BYTES
from datadog_exercise.elec_france.fetch import FetchError, redirect_target

from feedserver import Answer, FeedServer, refused_url
from support import FIXTURES, NATIONAL_ONLY

NOW = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC).timestamp()
MIX = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()
SECRET = 's3cr3t-p4ss'


@pytest.fixture
def server():
    with FeedServer() as running:
        running.serve('mix', Answer(MIX))
        running.serve('co2', Answer((FIXTURES / 'eco2mix_co2_2023-09-21_22.xml').read_bytes()))
        running.serve('odre', Answer((FIXTURES / 'odre_records_2023-09-22.json').read_bytes()))
        yield running


@pytest.fixture
def make_check(server, datadog_agent):
    def make(**options):
        instance = {
            'eco2mix_url': server.eco2mix_url,
            'odre_url': server.odre_url,
            'timeout': 2,
            **NATIONAL_ONLY,
            **options,
        }
        check = ElecFranceCheck('elec_france', {}, [instance])
        check.check_id = 'elec_france:fetch'
        check.clock = lambda: NOW
        return check

    return make


def message_of(aggregator):
    [sample] = aggregator.service_checks('elec_france.can_connect')
    return sample.message


# ---- 10. Retry-After, both forms, up to an hour -------------------------------------------------------------------


def http_date(epoch):
    return email.utils.format_datetime(datetime.fromtimestamp(epoch, UTC), usegmt=True)


def utc_text(epoch):
    return f'{datetime.fromtimestamp(epoch, UTC):%Y-%m-%d %H:%M:%S} UTC'


RETRY_AFTER = {
    'seconds': ('600', 600),
    'seconds, spaced': (' 1200 ', 1200),
    'a day of seconds': ('86400', 3600),
    'sixty digits': ('9' * 60, 3600),
    'HTTP-date in 20 minutes': (http_date(NOW + 1200), 1200),
    'HTTP-date in 2099': (http_date(datetime(2099, 1, 1, tzinfo=UTC).timestamp()), 3600),
    'RFC 850 date in 20 minutes': ('Friday, 22-Sep-23 00:41:09 GMT', 1200),
    'HTTP-date in the past': (http_date(NOW - 600), 60),
    'zero': ('0', 60),
    'negative': ('-5', 60),
    'a word': ('soon', 60),
    'longer than any date': ('1' * 70, 60),
}


@pytest.mark.parametrize('status', [429, 503])
@pytest.mark.parametrize('value, delay', RETRY_AFTER.values(), ids=RETRY_AFTER.keys())
def test_retry_after_is_honoured_in_both_forms_up_to_an_hour_and_said(
    status, value, delay, make_check, dd_run_check, aggregator, server
):
    server.serve('mix', Answer(b'', status, {'Retry-After': value}))
    check = make_check(source='eco2mix')

    dd_run_check(check)

    assert check.state.next_fetch_at == NOW + delay
    message = message_of(aggregator)
    if delay > 60:  # longer than the first backoff step: the server's wish sets the next request
        capped = ' (the longest this check waits)' if delay == 3600 else ''
        assert message.endswith(f'; as asked, no request before {utc_text(NOW + delay)}{capped}'), message
    else:
        assert 'as asked' not in message


def test_retry_after_of_a_failing_eco2mix_holds_while_odre_serves(make_check, dd_run_check, aggregator, server):
    server.serve('mix', Answer(b'', 429, {'Retry-After': '1800'}))
    check = make_check()

    dd_run_check(check)

    aggregator.assert_metric('elec_france.consumption', 36278, tags=['feed:odre'], count=1)
    assert check.state.next_fetch_at == NOW + 1800  # not the 15 minutes of a plain fallback


# ---- 5. no userinfo in any message, warning, log or cache ---------------------------------------------------------


def with_userinfo(url):
    return url.replace('http://', f'http://rte:{SECRET}@')


SECRET_CASES = {
    'HTTP 500': ({'source': 'eco2mix'}, ('mix', Answer(b'oops', 500))),
    'connection refused': ({'source': 'eco2mix', 'eco2mix_url': with_userinfo(refused_url())}, None),
    'no answer in time': ({'source': 'eco2mix', 'timeout': 1}, ('mix', Answer(b'x', delay=2))),
    'an HTML page': ({'source': 'eco2mix'}, ('mix', Answer((FIXTURES / 'rte_maintenance.html').read_bytes()))),
    'a redirect with credentials': (
        {'source': 'eco2mix'},
        ('mix', Answer(b'', 302, {'Location': f'http://evil:{SECRET}@127.0.0.1:9/x'})),
    ),
    'the fallback warning': ({}, ('mix', Answer(b'', 502))),
    'a proxy with credentials': ({'source': 'eco2mix', 'proxy': {'http': with_userinfo(refused_url())}}, None),
}


@pytest.mark.parametrize('options, answer', SECRET_CASES.values(), ids=SECRET_CASES.keys())
def test_no_message_warning_log_or_cache_shows_a_url_userinfo(
    options, answer, make_check, dd_run_check, aggregator, server, datadog_agent, caplog
):
    caplog.set_level(logging.DEBUG)
    if answer is not None:
        server.serve(*answer)
    check = make_check(**{'eco2mix_url': with_userinfo(server.eco2mix_url), 'log_requests': True, **options})

    dd_run_check(check)

    said = [message_of(aggregator) or '', *check.get_warnings(), caplog.text]
    said.append(datadog_agent.read_persistent_cache('elec_france:fetch_state'))
    assert all(SECRET not in text for text in said), [text for text in said if SECRET in text]
    assert caplog.text  # the wrapper did log its requests: there was something to leak


def test_a_url_userinfo_is_sent_as_basic_auth(make_check, dd_run_check, aggregator, server):
    dd_run_check(make_check(eco2mix_url=with_userinfo(server.eco2mix_url), source='eco2mix'))

    aggregator.assert_metric('elec_france.consumption', 36278, count=1)
    assert {request.headers['Authorization'] for request in server.requests} == {'Basic cnRlOnMzY3IzdC1wNHNz'}


# ---- 4. redirects, encodings, cookies: the fetch follows its own rules ---------------------------------------------


def test_a_redirect_on_the_same_host_is_followed(make_check, dd_run_check, aggregator, server):
    server.serve('mix', Answer(b'moved', 301, {'Location': '/moved/mix'}))
    server.answers[('/moved/mix', None)] = Answer(MIX)

    dd_run_check(make_check(source='eco2mix', co2=False))

    aggregator.assert_metric('elec_france.consumption', 36278, count=1)
    assert [request.path for request in server.requests] == ['/curves/eco2mixWeb', '/moved/mix']


@pytest.mark.parametrize(
    'location, reason',
    [
        ('http://localhost:{port}/x', 'redirected to another host, localhost (not followed: if the feed has moved'),
        ('ftp://127.0.0.1/x', 'redirected to an address that is not http(s)'),
        ('file:///etc/passwd', 'redirected to an address that is not http(s)'),
        ('http://user:pw@127.0.0.1:{port}/x', 'redirected to an address with credentials'),
        ('http://127.0.0.1:99999/x', 'redirected to an invalid address'),
        ('/é', 'answered HTTP 302 with an invalid Location (2 characters)'),
        ('/' + 'x' * 3000, 'answered HTTP 302 with an invalid Location (3001 characters)'),
        (None, 'answered HTTP 302 without a Location'),
    ],
)
def test_a_redirect_the_check_does_not_follow_is_a_fault_naming_it(
    location, reason, make_check, dd_run_check, aggregator, server
):
    headers = {} if location is None else {'Location': location.format(port=server.port)}
    server.serve('mix', Answer(b'', 302, headers))

    dd_run_check(make_check(source='eco2mix', co2=False))

    assert reason in message_of(aggregator)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    'url, location',
    [('https://rte.example/x', 'http://rte.example/x'), ('https://rte.example/x', 'HTTP://rte.example:443/x')],
)
def test_a_redirect_from_https_to_plain_http_is_refused(url, location):
    with pytest.raises(FetchError, match=r'^rte.example redirected to plain http \(rte.example\), from https$'):
        redirect_target(url, location, 302)


def test_with_allow_redirects_false_a_redirect_is_not_followed(make_check, dd_run_check, aggregator, server):
    server.serve('mix', Answer(b'', 302, {'Location': '/moved/mix'}))

    dd_run_check(make_check(source='eco2mix', co2=False, allow_redirects=False))

    assert message_of(aggregator) == f'eco2mix: 127.0.0.1:{server.port} answered HTTP 302 Found'


@pytest.mark.parametrize(
    'encoding, body',
    [
        ('gzip', gzip.compress(MIX)),
        ('x-gzip', gzip.compress(MIX)),
        ('deflate', zlib.compress(MIX)),
        ('identity', MIX),
        ('GZIP', gzip.compress(MIX)),
    ],
    ids=['gzip', 'x-gzip', 'deflate', 'identity', 'GZIP'],
)
def test_a_compressed_answer_is_read(encoding, body, make_check, dd_run_check, aggregator, server):
    server.serve('mix', Answer(body, headers={'Content-Encoding': encoding}))

    dd_run_check(make_check(source='eco2mix', co2=False))

    aggregator.assert_metric('elec_france.consumption', 36278, count=1)
    assert server.requests[0].headers['Accept-Encoding'] == 'gzip, deflate'


@pytest.mark.parametrize(
    'encoding, body, reason',
    [
        ('br', MIX, "sent its answer with Content-Encoding 'br', not asked for"),
        ('gzip, gzip', MIX, "sent its answer with Content-Encoding 'gzip, gzip', not asked for"),
        ('gzip', b'\x1f\x8b not gzip at all', 'sent a gzip body that cannot be decompressed'),
        ('gzip', gzip.compress(MIX)[:-100], 'sent a gzip body that ends before its end'),
        ('gzip', gzip.compress(MIX) + b'trailing', 'sent data after the end of its gzip body'),
    ],
    ids=['br', 'gzip twice', 'not gzip', 'truncated gzip', 'data after the gzip end'],
)
def test_an_answer_that_cannot_be_decompressed_is_a_fault(
    encoding, body, reason, make_check, dd_run_check, aggregator, server
):
    server.serve('mix', Answer(body, headers={'Content-Encoding': encoding}))

    dd_run_check(make_check(source='eco2mix', co2=False))

    assert reason in message_of(aggregator)
    assert aggregator.metric_names == []


def test_cookies_are_not_kept_from_one_fetch_to_the_next(make_check, dd_run_check, server):
    server.serve('mix', Answer(b'', 503, {'Set-Cookie': 'tracker=1; Path=/'}))
    check = make_check(source='eco2mix', co2=False)
    dd_run_check(check)
    check.clock = lambda: NOW + 3600

    dd_run_check(check)

    assert len(server.requests) == 2
    assert 'Cookie' not in server.requests[1].headers


def test_a_body_announced_over_the_cap_is_refused_unread(make_check, dd_run_check, aggregator, server):
    server.serve('mix', Answer(b'<liste>' + b' ' * MAX_BYTES['eco2mix_mix'] + b'</liste>'))

    dd_run_check(make_check(source='eco2mix', co2=False))

    assert f'announced 1048591 bytes, more than the {MAX_BYTES["eco2mix_mix"]}-byte limit' in message_of(aggregator)
    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert sample.status == AgentCheck.CRITICAL
