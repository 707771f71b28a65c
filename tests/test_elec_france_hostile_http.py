"""The check against hostile HTTP servers on loopback: whatever a server does with its bytes and its time, a run
ends within `timeout` + 1 s per fetch it makes, says why the feed is unusable, and submits nothing made up.

Each server is a real TCP server (tests/feedserver.py: ScriptedServer) writing raw bytes: headers dripped one
byte at a time, endless redirects, slow hops, gzip bombs in a redirect's body or in the answer, a gzip header
whose comment never ends, an endless stream of `100 Continue`; and before any answer, a real TLS server, an
http or https proxy or a SOCKS5 proxy dripping what it sends. The wall clock is measured against a bound
with room (1 s per fetch past the deadline, where the overrun measured is a few milliseconds).
"""

import contextlib
import functools
import itertools
import select
import socket
import ssl
import sys
import threading
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import trustme
from datadog_checks.base import AgentCheck
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadog_exercise.elec_france import transport
from datadog_exercise.elec_france.check import ElecFranceCheck
from datadog_exercise.elec_france.feeds import MAX_BYTES

from feedserver import (
    GZIP_HEADER_WITH_COMMENT,
    Answer,
    FeedServer,
    ScriptedServer,
    gzip_bomb,
    refused_url,
    send_slowly,
)
from fixtures.build import costliest_answers
from support import FIXTURES, NATIONAL_ONLY, run_check_in_a_fresh_interpreter

TIMEOUT = 1  # seconds: small, so that the suite stays fast
# What one run may add to the interpreter's peak memory, whatever a server sends (docs/elec_france.md, "Reliability").
MEMORY_CEILING_MIB = 48
NOW = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC).timestamp()
ECO2MIX_CAP = MAX_BYTES['eco2mix_mix']
MIX = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()


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


def fault_of_one_fetch(check, aggregator):
    """Run the check, which makes one fetch: it ends within the timeout + 1 s, without an error, CRITICAL; the
    service check's message."""
    error, elapsed = run_bounded(check)
    assert error == ''
    assert elapsed <= TIMEOUT + 1, f'{elapsed:.2f} s for one fetch'
    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert sample.status == AgentCheck.CRITICAL
    return sample.message


def make_check(eco2mix_url, odre_url, **options):
    instance = {'eco2mix_url': eco2mix_url, 'odre_url': odre_url, 'timeout': TIMEOUT, **NATIONAL_ONLY, **options}
    check = ElecFranceCheck('elec_france', {}, [instance])
    check.check_id = 'elec_france:hostile'
    check.clock = lambda: NOW
    return check


# ---- before the answer: a TLS handshake, a proxy's tunnel, a SOCKS proxy's handshake -------------------------------
# Each is read before http.client reads an answer; each is held to the same deadline (transport.py), and no thread
# is started to cut it off (a check may not start one).

TUNNELLED_URL = 'https://eco2mix.example/curves/eco2mixWeb'  # never resolved here: the proxy is asked for it
TUNNEL_OPEN = b'HTTP/1.1 200 Connection established\r\n\r\n'


@functools.cache
def server_tls():
    """A TLS server context with a certificate for 127.0.0.1 (trustme: a throwaway CA, made in memory)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert('127.0.0.1', 'eco2mix.example').configure_cert(context)
    return context


def tls_answer_dripped(connection, stop):
    """Answer the client's TLS hello as a real TLS server does (server hello, certificate, ...), a byte at a time."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = server_tls().wrap_bio(incoming, outgoing, server_side=True)
    while not outgoing.pending:
        piece = connection.recv(4096)
        if not piece:
            return
        incoming.write(piece)
        with contextlib.suppress(ssl.SSLWantReadError):
            server.do_handshake()
    send_slowly(connection, outgoing.read(), 0.05, stop)


def tls_certificate_dripped(connection, path, stop):
    tls_answer_dripped(connection, stop)


def tunnel_then_tls_dripped(connection, path, stop):
    connection.sendall(TUNNEL_OPEN)
    tls_answer_dripped(connection, stop)


def tunnel_answer_endless(connection, path, stop):
    connection.sendall(b'HTTP/1.1 200 Connection established\r\n')
    while not stop.is_set():
        connection.sendall(b'X-Pad: a\r\n' * 1000)


def over_tls(then):
    """A proxy reached over TLS (an `https://` proxy) that reads the CONNECT request, then runs `then`."""

    def script(connection, path, stop):
        with server_tls().wrap_socket(connection, server_side=True) as tls:
            request = b''
            while b'\r\n\r\n' not in request:
                piece = tls.recv(4096)
                if not piece:
                    return
                request += piece
            then(tls, '', stop)

    return script


def socks5_answer(then):
    """A SOCKS5 proxy (no authentication) that reads the client's greeting and CONNECT request, then runs `then`."""

    def script(connection, path, stop):
        connection.recv(3)
        connection.sendall(b'\x05\x00')  # version 5, no authentication
        connection.recv(512)
        then(connection, path, stop)

    return script


def socks5_reply_dripped(connection, path, stop):
    # Success, bound to a 255-byte host name: the longest answer SOCKS5 has, 13 s at this pace.
    send_slowly(connection, b'\x05\x00\x00\x03\xff' + b'a' * 255 + b'\x00\x50', 0.05, stop)


def socks5_connected_then_headers_dripped(connection, path, stop):
    connection.sendall(b'\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x50')  # success, bound to 127.0.0.1:80
    headers_dripped(connection, path, stop)


def via(scheme, url=TUNNELLED_URL):
    """The check's options for `url` through a proxy of `scheme` on the test server."""
    return lambda server: {
        'eco2mix_url': url,
        'proxy': {urlsplit(url).scheme: f'{scheme}://127.0.0.1:{server.port}'},
        'tls_verify': False,
    }


def direct_tls(server):
    return {'eco2mix_url': server.eco2mix_url.replace('http://', 'https://'), 'tls_verify': False}


LATE = 'did not answer within 1 s'
BEFORE_THE_ANSWER = {
    'TLS handshake dripped': (tls_handshake_dripped, False, direct_tls, LATE),
    'TLS certificate dripped': (tls_certificate_dripped, False, direct_tls, LATE),
    'proxy tunnel answer dripped': (headers_dripped, True, via('http'), LATE),
    'proxy tunnel open, then TLS dripped': (tunnel_then_tls_dripped, True, via('http'), LATE),
    'proxy tunnel answer endless': (
        tunnel_answer_endless,
        True,
        via('http'),
        # Python 3.12 reads at most 100 headers of a tunnel's answer; 3.11 reads them all: the cap stops it.
        f'sent more than {ECO2MIX_CAP} bytes' if sys.version_info < (3, 12) else 'got more than 100 headers',
    ),
    'https proxy tunnel answer dripped': (over_tls(headers_dripped), False, via('https'), LATE),
    'https proxy tunnel open, then TLS dripped': (over_tls(tunnel_then_tls_dripped), False, via('https'), LATE),
    'SOCKS5 answer dripped': (socks5_answer(socks5_reply_dripped), False, via('socks5h'), LATE),
    'SOCKS5 open, then headers dripped': (
        socks5_answer(socks5_connected_then_headers_dripped),
        False,
        via('socks5h', 'http://eco2mix.example/curves/eco2mixWeb'),
        LATE,
    ),
}


@pytest.mark.parametrize('script, reads_request, options, reason', BEFORE_THE_ANSWER.values(), ids=BEFORE_THE_ANSWER)
def test_what_comes_before_the_answer_costs_at_most_the_timeout_plus_one_second(
    script, reads_request, options, reason, datadog_agent, aggregator
):
    with ScriptedServer(script, reads_request=reads_request) as server:
        settings = options(server)
        check = make_check(settings.pop('eco2mix_url'), server.odre_url, source='eco2mix', co2=False, **settings)

        message = fault_of_one_fetch(check, aggregator)

    assert reason in message, message


def relay(client, port, stop):
    """Carry bytes both ways between `client` and 127.0.0.1:`port` until either side hangs up: a proxy's tunnel."""
    with socket.create_connection(('127.0.0.1', port)) as upstream:
        ends = {client: upstream, upstream: client}
        while not stop.is_set():
            for end in select.select(list(ends), [], [], 0.05)[0]:
                data = end.recv(65536)
                while getattr(end, 'pending', lambda: 0)():  # a TLS end may hold more than select() sees
                    data += end.recv(65536)
                if not data:
                    return
                ends[end].sendall(data)


def tunnel_to(feed):
    def script(connection, path, stop):
        connection.sendall(TUNNEL_OPEN)
        relay(connection, feed.port, stop)

    return script


def socks5_to(feed):
    def script(connection, path, stop):
        connection.sendall(b'\x05\x00\x00\x01\x7f\x00\x00\x01' + feed.port.to_bytes(2, 'big'))
        relay(connection, feed.port, stop)

    return socks5_answer(script)


def test_a_socks_proxy_refusing_is_named_without_its_credentials(datadog_agent, aggregator):
    def refusing(connection, path, stop):
        connection.recv(16)
        connection.sendall(b'\x05\xff')  # no authentication method acceptable

    with ScriptedServer(refusing, reads_request=False) as proxy:
        settings = via('socks5h', 'http://eco2mix.example/curves/eco2mixWeb')(proxy)
        settings['proxy']['http'] = settings['proxy']['http'].replace('socks5h://', 'socks5h://rte:s3cr3t@')
        check = make_check(settings.pop('eco2mix_url'), proxy.odre_url, source='eco2mix', co2=False, **settings)

        run_bounded(check)

    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert sample.message == (
        'eco2mix: cannot connect to eco2mix.example: Failed to establish a new connection: '
        'All offered SOCKS5 authentication methods were rejected'
    )


PROXIES = {
    'http proxy, https server': (tunnel_to, True, 'http', 'https'),
    'https proxy, https server (TLS in TLS)': (lambda feed: over_tls(tunnel_to(feed)), False, 'https', 'https'),
    'SOCKS5 proxy, http server': (socks5_to, False, 'socks5h', 'http'),
}


@pytest.mark.parametrize('proxy_script, reads_request, proxy_scheme, scheme', PROXIES.values(), ids=PROXIES)
def test_a_feed_is_read_through_each_kind_of_proxy(
    proxy_script, reads_request, proxy_scheme, scheme, datadog_agent, aggregator
):
    with FeedServer() as feed:
        if scheme == 'https':
            feed.httpd.socket = server_tls().wrap_socket(feed.httpd.socket, server_side=True)
        # `Connection: close`: http.client hands the connection to the answer before its body is read
        feed.serve('mix', Answer(MIX, headers={'Connection': 'close'}))
        with ScriptedServer(proxy_script(feed), reads_request=reads_request) as proxy:
            url = f'{scheme}://eco2mix.example:{feed.port}/curves/eco2mixWeb'
            settings = via(proxy_scheme, url)(proxy)
            check = make_check(settings.pop('eco2mix_url'), proxy.odre_url, source='eco2mix', co2=False, **settings)

            error, _ = run_bounded(check)

    assert error == ''
    aggregator.assert_metric('elec_france.consumption', 36278, count=1)
    assert [request.path for request in feed.requests] == ['/curves/eco2mixWeb']


def test_a_run_starts_no_thread(datadog_agent, aggregator):
    seen = []  # the threads alive while the check waits for the dripped headers, seen from the server's side

    def headers_dripped_watching(connection, path, stop):
        connection.sendall(b'HTTP/1.1 200 OK\r\n')
        for _ in range(100):
            seen.append(set(threading.enumerate()))
            if stop.wait(0.05):
                return
            connection.sendall(b'X')

    with ScriptedServer(headers_dripped_watching) as server:
        check = make_check(server.eco2mix_url, server.odre_url, source='eco2mix', co2=False)
        before = threading.active_count()
        threads_before = set(threading.enumerate())

        check.run()  # in this thread: any other thread alive meanwhile is the server's or the check's

        servers = {server.acceptor, *server.threads}
        started = set().union(*seen) - threads_before - servers
    assert len(seen) > 5  # the check did wait
    assert [thread.name for thread in started] == []
    assert threading.active_count() - len([thread for thread in servers if thread.is_alive()]) <= before
    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert sample.message == f'eco2mix: 127.0.0.1:{server.port} did not answer within 1 s'


def test_a_tls_handshake_in_slow_motion_costs_at_most_the_timeout_plus_one_second(datadog_agent, aggregator):
    with ScriptedServer(tls_handshake_dripped, reads_request=False) as server:
        url = server.eco2mix_url.replace('http://', 'https://')
        check = make_check(url, server.odre_url, source='eco2mix', co2=False, tls_verify=False)

        message = fault_of_one_fetch(check, aggregator)

    assert message == f'eco2mix: 127.0.0.1:{server.port} did not answer within 1 s'


def test_a_proxy_dripping_its_tunnel_answer_costs_at_most_the_timeout_plus_one_second(datadog_agent, aggregator):
    with ScriptedServer(headers_dripped) as proxy:
        check = make_check(
            'https://eco2mix.example/curves/eco2mixWeb',
            proxy.odre_url,
            source='eco2mix',
            co2=False,
            proxy={'https': proxy.base},
        )

        message = fault_of_one_fetch(check, aggregator)

    assert proxy.paths == ['eco2mix.example:443']  # the CONNECT request: the tunnel was asked for
    assert message == 'eco2mix: eco2mix.example did not answer within 1 s'


@pytest.mark.parametrize('script, reason', CASES.values(), ids=CASES.keys())
def test_a_hostile_server_costs_one_fetch_at_most_its_timeout_plus_one_second(
    script, reason, datadog_agent, aggregator
):
    with ScriptedServer(script) as server:
        check = make_check(server.eco2mix_url, server.odre_url, source='eco2mix', co2=False)

        message = fault_of_one_fetch(check, aggregator)

    assert reason in message, message
    assert aggregator.metric_names == []


def test_with_both_feeds_hostile_a_run_costs_at_most_two_fetches(datadog_agent, aggregator):
    with ScriptedServer(headers_dripped) as eco2mix, ScriptedServer(gzip_comment_dripped) as odre:
        check = make_check(eco2mix.eco2mix_url, odre.odre_url)

        error, elapsed = run_bounded(check)

    assert error == ''
    assert elapsed <= 2 * (TIMEOUT + 1), f'{elapsed:.2f} s for two fetches'
    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert sample.message.startswith(f'eco2mix: 127.0.0.1:{eco2mix.port} did not answer within 1 s; odre: ')


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
        instance = {'eco2mix_url': server.eco2mix_url, 'source': 'eco2mix', 'co2': False, 'timeout': 5, **NATIONAL_ONLY}

        run = run_check_in_a_fresh_interpreter(instance, NOW)

    assert run['error'] == ''
    assert (run['peak_kib'] - run['imports_kib']) / 1024 < MEMORY_CEILING_MIB, name


def test_a_run_that_fetches_the_mix_and_the_prices_both_at_their_costliest_stays_under_the_ceiling():
    [(name, (_, body))] = [item for item in costliest_answers(MAX_BYTES).items() if 'empty XML' in item[0]]
    with FeedServer() as server:
        server.serve('mix', Answer(body))
        server.serve('market', Answer(body))  # the prices' cap is the mix's: 1 MiB
        instance = {**server.urls, 'source': 'eco2mix', 'co2': False, 'timeout': 5, **NATIONAL_ONLY, 'prices': True}

        run = run_check_in_a_fresh_interpreter(instance, NOW)

    # One run, two answers of the costliest kind: each tree is freed before the next fetch.
    assert run['error'] == '' and server.count('mix') == server.count('market') == 1
    assert (run['peak_kib'] - run['imports_kib']) / 1024 < MEMORY_CEILING_MIB, name


@pytest.mark.parametrize('script', [redirect_carrying_a_gzip_bomb, gzip_bomb_answer], ids=['in a redirect', 'answer'])
def test_a_gzip_bomb_stays_under_the_memory_ceiling(script):
    with ScriptedServer(script) as server:
        instance = {'eco2mix_url': server.eco2mix_url, 'source': 'eco2mix', 'co2': False, 'timeout': 5, **NATIONAL_ONLY}

        run = run_check_in_a_fresh_interpreter(instance, NOW)

    assert run['error'] == ''
    assert (run['peak_kib'] - run['imports_kib']) / 1024 < MEMORY_CEILING_MIB


# ---- a name with many addresses --------------------------------------------------------------------------------------
# urllib3 and PySocks give each address a name resolves to the whole timeout: a name with ten silent addresses would
# cost ten timeouts. The addresses here are real loopback sockets (127.0.0.0/8): silent (a listener whose backlog is
# full: the kernel drops the connection's SYN), refused (nothing listens) or answering (a FeedServer). Only the name
# that resolves to them is stood in for (transport._getaddrinfo): a resolver with such names cannot run here.

NAME = 'many.addresses.example'


@contextlib.contextmanager
def addresses_of(name, behaviours, answering_port=None):
    """`name` resolves to one loopback address per behaviour ('silent', 'refused', 'answering'), all on one port."""
    port = answering_port
    with contextlib.ExitStack() as stack:
        if port is None:
            probe = stack.enter_context(socket.create_server(('127.0.0.1', 0)))
            port = probe.getsockname()[1]  # held: nothing else takes it on 127.0.0.1
        ips = []
        for number, behaviour in enumerate(behaviours):
            ip = '127.0.0.1' if behaviour == 'answering' else f'127.0.{1 + number}.{1 + number}'
            if behaviour == 'silent':
                listener = stack.enter_context(socket.socket())
                listener.bind((ip, port))
                listener.listen(0)
                filler = stack.enter_context(socket.create_connection((ip, port), timeout=1))
                assert filler  # the backlog is full: the next SYN is dropped
            ips.append(ip)
        real = transport._getaddrinfo

        def stand_in(host, port_, *args):
            if host != name:
                return real(host, port_, *args)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, '', (ip, port_)) for ip in ips]

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(transport, '_getaddrinfo', stand_in)
            yield port


def test_each_kind_of_silent_address_is_silent():
    with addresses_of(NAME, ['silent']) as port, pytest.raises(TimeoutError):
        socket.create_connection(('127.0.1.1', port), timeout=0.2)


@pytest.mark.parametrize('route', ['direct', 'http proxy', 'socks5 proxy'])
def test_a_name_with_ten_silent_addresses_costs_at_most_the_timeout_plus_one_second(route, datadog_agent, aggregator):
    with addresses_of(NAME, ['silent'] * 10) as port:
        options = {
            'direct': {'eco2mix_url': f'http://{NAME}:{port}/curves/eco2mixWeb'},
            'http proxy': {
                'eco2mix_url': TUNNELLED_URL.replace('https', 'http'),
                'proxy': {'http': f'http://{NAME}:{port}'},
            },
            'socks5 proxy': {'eco2mix_url': TUNNELLED_URL, 'proxy': {'https': f'socks5h://{NAME}:{port}'}},
        }[route]
        eco2mix_url = options.pop('eco2mix_url')
        check = make_check(eco2mix_url, refused_url(), source='eco2mix', co2=False, **options)

        message = fault_of_one_fetch(check, aggregator)

    assert 'within 1 s' in message or 'timed out' in message, message


EXAMPLES = itertools.count()
BEHAVIOURS = st.lists(st.sampled_from(['silent', 'refused', 'answering']), min_size=1, max_size=8)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(behaviours=BEHAVIOURS)
def test_any_mix_of_addresses_is_tried_in_order_within_the_deadline(behaviours, datadog_agent, aggregator):
    """The first MOST_ADDRESSES addresses are tried in order; a silent one takes the rest of the fetch's time; a
    refused one hands over to the next; the fetch ends within the timeout + 1 s whatever the mix."""
    with FeedServer() as server:
        server.serve('mix', Answer(MIX))
        with addresses_of(NAME, behaviours, answering_port=server.port) as port:
            check = make_check(f'http://{NAME}:{port}/curves/eco2mixWeb', refused_url(), source='eco2mix', co2=False)
            check.check_id = f'elec_france:addresses{next(EXAMPLES)}'  # a persistent cache of its own
            aggregator.reset()

            error, elapsed = run_bounded(check)

    assert error == ''
    assert elapsed <= TIMEOUT + 1, f'{elapsed:.2f} s for one fetch'
    tried = [behaviour for behaviour in behaviours[: transport.MOST_ADDRESSES] if behaviour != 'refused']
    reached = bool(tried) and tried[0] == 'answering'
    assert (len(server.requests) == 1) is reached, behaviours
    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert (sample.status != AgentCheck.CRITICAL) is reached, (behaviours, sample.message)


@pytest.mark.parametrize('refused, reached', [(3, True), (4, False), (9, False)])
def test_only_the_first_four_addresses_of_a_name_are_tried(refused, reached, datadog_agent, aggregator):
    assert transport.MOST_ADDRESSES == 4
    with FeedServer() as server:
        server.serve('mix', Answer(MIX))
        with addresses_of(NAME, ['refused'] * refused + ['answering'], answering_port=server.port) as port:
            check = make_check(f'http://{NAME}:{port}/curves/eco2mixWeb', refused_url(), source='eco2mix', co2=False)

            error, _ = run_bounded(check)

    assert error == ''
    assert len(server.requests) == (1 if reached else 0)
