"""The check against hostile HTTP servers on loopback: whatever a server does with its bytes and its time, a run
ends within `timeout` + 1 s per fetch it makes, says why the feed is unusable, and submits nothing made up.

Each server is a real TCP server (tests/feedserver.py: ScriptedServer) writing raw bytes: headers dripped one
byte at a time, endless redirects, slow hops, gzip bombs in a redirect's body or in the answer, a gzip header
whose comment never ends, an endless stream of `100 Continue`. The wall clock is measured against a bound
with room (1 s per fetch past the deadline, where the overrun measured is a few milliseconds).
"""

import threading
import time
from datetime import UTC, datetime

import pytest
from datadog_checks.base import AgentCheck

from datadog_exercise.elec_france.check import MAX_BYTES, ElecFranceCheck

from feedserver import GZIP_HEADER_WITH_COMMENT, Answer, FeedServer, ScriptedServer, gzip_bomb, send_slowly
from fixtures.build import costliest_answers
from support import run_check_in_a_fresh_interpreter

TIMEOUT = 1  # seconds: small, so that the suite stays fast
MEMORY_CEILING_MIB = 48  # what one run may add to the interpreter's peak memory, whatever a server sends (README)
NOW = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC).timestamp()
ECO2MIX_CAP = MAX_BYTES['eco2mix']


def head(status, *headers):
    return ('\r\n'.join((f'HTTP/1.1 {status}', *headers)) + '\r\n\r\n').encode()


def headers_dripped(connection, path, stop):
    connection.sendall(b'HTTP/1.1 200 OK\r\n')
    send_slowly(connection, b'X-Drip: ' + b'a' * 10_000, 0.05, stop)  # 500 s of headers


def status_line_dripped(connection, path, stop):
    send_slowly(connection, b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 0.1, stop)


def silent(connection, path, stop):
    stop.wait(60)


def body_dripped(connection, path, stop):
    connection.sendall(head('200 OK', 'Content-Length: 100000'))
    send_slowly(connection, b'<' * 100_000, 0.05, stop)


def redirects_every(pause):
    """A redirect to the next hop on the same host, answered after `pause` seconds, forever."""

    def script(connection, path, stop):
        if stop.wait(pause):
            return
        hop = int(path.rsplit('/', 1)[-1]) + 1 if path.rsplit('/', 1)[-1].isdigit() else 1
        connection.sendall(head('302 Found', f'Location: /hop/{hop}', 'Content-Length: 0'))

    return script


def redirect_carrying_a_gzip_bomb(connection, path, stop):
    if path == '/landing':
        connection.sendall(head('503 Service Unavailable', 'Content-Length: 0'))
        return
    connection.sendall(head('302 Found', 'Location: /landing', 'Content-Encoding: gzip', 'Connection: close'))
    for piece in gzip_bomb(10_000):  # 10 GB once inflated, as requests would have inflated it
        if stop.is_set():
            return
        connection.sendall(piece)


def gzip_bomb_answer(connection, path, stop):
    connection.sendall(head('200 OK', 'Content-Encoding: gzip', 'Connection: close'))
    for piece in gzip_bomb(10_000):
        if stop.is_set():
            return
        connection.sendall(piece)


def gzip_comment_never_ending(connection, path, stop):
    connection.sendall(head('200 OK', 'Content-Encoding: gzip', 'Connection: close') + GZIP_HEADER_WITH_COMMENT)
    while not stop.is_set():
        connection.sendall(b'a' * 65536)


def gzip_comment_dripped(connection, path, stop):
    connection.sendall(head('200 OK', 'Content-Encoding: gzip', 'Connection: close') + GZIP_HEADER_WITH_COMMENT)
    send_slowly(connection, b'a' * 10_000, 0.05, stop)


def endless_continues(connection, path, stop):
    while not stop.is_set():
        connection.sendall(b'HTTP/1.1 100 Continue\r\n\r\n' * 1000)


def endless_chunked_body(connection, path, stop):
    connection.sendall(head('200 OK', 'Transfer-Encoding: chunked'))
    while not stop.is_set():
        connection.sendall(b'10000\r\n' + b'<' * 0x10000 + b'\r\n')


def announced_too_large(connection, path, stop):
    connection.sendall(head('200 OK', f'Content-Length: {10**12}'))
    stop.wait(60)


def tls_handshake_dripped(connection, path, stop):
    # A TLS record header announcing 16 KB of handshake, then its bytes one at a time: 13 minutes of handshake.
    connection.sendall(b'\x16\x03\x03\x40\x00')
    send_slowly(connection, b'\x02' * 16384, 0.05, stop)


def many_headers(connection, path, stop):
    connection.sendall(head('200 OK', *(f'X-{n}: {n}' for n in range(1000)), 'Content-Length: 0'))


CASES = {
    'headers dripped': (headers_dripped, 'did not answer within 1 s'),
    'status line dripped': (status_line_dripped, 'did not answer within 1 s'),
    'silent': (silent, 'did not answer within 1 s'),
    'body dripped': (body_dripped, 'took more than 1 s to send its answer'),
    'slow hops': (redirects_every(0.4), 'did not answer within 1 s'),
    'endless redirects': (redirects_every(0), 'redirected more than 5 times'),
    'gzip bomb in a redirect': (redirect_carrying_a_gzip_bomb, 'answered HTTP 503 Service Unavailable'),
    'gzip bomb': (gzip_bomb_answer, f'sent more than {ECO2MIX_CAP} bytes; answer refused'),
    'gzip comment never ending': (gzip_comment_never_ending, f'sent more than {ECO2MIX_CAP} bytes; answer refused'),
    'gzip comment dripped': (gzip_comment_dripped, 'took more than 1 s to send its answer'),
    'endless 100 Continue': (endless_continues, f'sent more than {ECO2MIX_CAP} bytes; answer refused'),
    'endless chunked body': (endless_chunked_body, f'sent more than {ECO2MIX_CAP} bytes; answer refused'),
    'announced too large': (announced_too_large, f'announced {10**12} bytes, more than the {ECO2MIX_CAP}-byte'),
    'a thousand headers': (many_headers, 'got more than 100 headers'),
}


def run_bounded(check, limit=60):
    """Run the check once; fail, instead of hanging the suite, if the run outlasts `limit` seconds."""
    outcome = {}

    def run():
        outcome['error'] = check.run()

    runner = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    runner.start()
    runner.join(limit)
    elapsed = time.monotonic() - started
    assert not runner.is_alive(), f'the check ran for more than {limit} s'
    return outcome['error'], elapsed


def make_check(eco2mix_url, odre_url, **options):
    instance = {'eco2mix_url': eco2mix_url, 'odre_url': odre_url, 'timeout': TIMEOUT, **options}
    check = ElecFranceCheck('elec_france', {}, [instance])
    check.check_id = 'elec_france:hostile'
    check.clock = lambda: NOW
    return check


def test_a_tls_handshake_in_slow_motion_costs_at_most_the_timeout_plus_one_second(datadog_agent, aggregator):
    with ScriptedServer(tls_handshake_dripped, reads_request=False) as server:
        url = server.eco2mix_url.replace('http://', 'https://')
        check = make_check(url, server.odre_url, source='eco2mix', co2=False, tls_verify=False)

        error, elapsed = run_bounded(check)

    assert error == ''
    assert elapsed <= TIMEOUT + 1, f'{elapsed:.2f} s for one fetch'
    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert sample.message == f'eco2mix: 127.0.0.1:{server.port} did not answer within 1 s'


def test_a_proxy_dripping_its_tunnel_answer_costs_at_most_the_timeout_plus_one_second(datadog_agent, aggregator):
    with ScriptedServer(headers_dripped) as proxy:
        check = make_check(
            'https://eco2mix.example/curves/eco2mixWeb',
            proxy.odre_url,
            source='eco2mix',
            co2=False,
            proxy={'https': proxy.base},
        )

        error, elapsed = run_bounded(check)

    assert error == ''
    assert elapsed <= TIMEOUT + 1, f'{elapsed:.2f} s for one fetch'
    assert proxy.paths == ['eco2mix.example:443']  # the CONNECT request: the tunnel was asked for
    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert sample.message == 'eco2mix: eco2mix.example did not answer within 1 s'


@pytest.mark.parametrize('script, reason', CASES.values(), ids=CASES.keys())
def test_a_hostile_server_costs_one_fetch_at_most_its_timeout_plus_one_second(
    script, reason, datadog_agent, aggregator
):
    with ScriptedServer(script) as server:
        check = make_check(server.eco2mix_url, server.odre_url, source='eco2mix', co2=False)

        error, elapsed = run_bounded(check)

    assert error == ''
    assert elapsed <= TIMEOUT + 1, f'{elapsed:.2f} s for one fetch'
    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert sample.status == AgentCheck.CRITICAL
    assert reason in sample.message, sample.message
    assert aggregator.metric_names == []


def test_with_both_feeds_hostile_a_run_costs_at_most_two_fetches(datadog_agent, aggregator):
    with ScriptedServer(headers_dripped) as eco2mix, ScriptedServer(gzip_comment_dripped) as odre:
        check = make_check(eco2mix.eco2mix_url, odre.odre_url)
        threads_before = set(threading.enumerate())

        error, elapsed = run_bounded(check)

        left_running = [thread for thread in set(threading.enumerate()) - threads_before if thread.is_alive()]
    assert error == ''
    assert elapsed <= 2 * (TIMEOUT + 1), f'{elapsed:.2f} s for two fetches'
    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert sample.message.startswith(f'eco2mix: 127.0.0.1:{eco2mix.port} did not answer within 1 s; odre: ')
    assert [thread.name for thread in left_running if 'Timer' in type(thread).__name__] == []  # watchdogs stopped


def test_a_redirect_body_is_never_read(datadog_agent, aggregator):
    with ScriptedServer(redirect_carrying_a_gzip_bomb) as server:
        check = make_check(server.eco2mix_url, server.odre_url, source='eco2mix', co2=False)

        run_bounded(check)

    assert server.paths == [
        '/curves/eco2mixWeb?type=mix&dateDeb=21%2F09%2F2023&dateFin=22%2F09%2F2023&mode=NORM',
        '/landing',
    ]


def test_the_costliest_answer_stays_under_the_memory_ceiling():
    [(name, (feed, body))] = [item for item in costliest_answers(MAX_BYTES).items() if 'empty XML' in item[0]]
    with FeedServer() as server:
        server.serve(feed, Answer(body))
        instance = {'eco2mix_url': server.eco2mix_url, 'source': 'eco2mix', 'co2': False, 'timeout': 5}

        run = run_check_in_a_fresh_interpreter(instance, NOW)

    assert run['error'] == ''
    assert (run['peak_kib'] - run['imports_kib']) / 1024 < MEMORY_CEILING_MIB, name


@pytest.mark.parametrize('script', [redirect_carrying_a_gzip_bomb, gzip_bomb_answer], ids=['in a redirect', 'answer'])
def test_a_gzip_bomb_stays_under_the_memory_ceiling(script):
    with ScriptedServer(script) as server:
        instance = {'eco2mix_url': server.eco2mix_url, 'source': 'eco2mix', 'co2': False, 'timeout': 5}

        run = run_check_in_a_fresh_interpreter(instance, NOW)

    assert run['error'] == ''
    assert (run['peak_kib'] - run['imports_kib']) / 1024 < MEMORY_CEILING_MIB
