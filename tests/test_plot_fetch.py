"""`datadog-exercise plot` fetches RTE as the check does (elec_france/fetch.py on a plain BudgetedSession): against
real hostile servers on loopback, each answer costs at most its timeout + 1 s and the check's byte cap, and the
error names the host, never a URL's userinfo."""

import time
import tracemalloc
from datetime import date

import pytest
from test_elec_france_hostile_http import CASES

from datadog_exercise.elec_france.feeds import MAX_BYTES
from datadog_exercise.plot import PlotError, fetch_live

from feedserver import Answer, FeedServer, ScriptedServer, refused_url
from support import FIXTURES

TIMEOUT = 1
DAY = date(2023, 9, 22)
HOSTILE = {
    name: CASES[name]
    for name in (
        'headers dripped',
        'silent',
        'body dripped',
        'slow hops',
        'gzip bomb',
        'gzip bomb in a redirect',
        'gzip comment never ending',
        'endless chunked body',
        'announced too large',
    )
}


def fetch_bounded(url):
    started = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(PlotError) as raised:
            fetch_live(DAY, url=url, timeout=TIMEOUT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return str(raised.value), time.monotonic() - started, peak


@pytest.mark.parametrize('script, reason', HOSTILE.values(), ids=HOSTILE)
def test_a_hostile_server_costs_the_plot_at_most_its_timeout_plus_one_second_and_the_byte_cap(script, reason):
    with ScriptedServer(script) as server:
        message, elapsed, peak = fetch_bounded(server.eco2mix_url)

    assert elapsed <= TIMEOUT + 1, f'{elapsed:.2f} s for one fetch'
    assert message.startswith(f'cannot fetch éCO2mix type=mix: 127.0.0.1:{server.port} '), message
    assert reason in message, message
    assert peak < 4 * MAX_BYTES['eco2mix_mix'], f'{peak / 2**20:.1f} MiB allocated at the peak'


def test_the_plot_reads_both_answers_within_the_budget():
    mix = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()
    co2 = (FIXTURES / 'eco2mix_co2_2023-09-21_22.xml').read_bytes()
    with FeedServer() as server:
        server.serve('mix', Answer(mix, headers={'Content-Encoding': 'identity'}))
        server.serve('co2', Answer(co2))

        bodies = fetch_live(DAY, url=server.eco2mix_url, timeout=TIMEOUT)

    assert bodies == [mix, co2]
    assert [request.params for request in server.requests] == [
        {'type': kind, 'dateDeb': '21/09/2023', 'dateFin': '22/09/2023', 'mode': 'NORM'} for kind in ('mix', 'co2')
    ]


@pytest.mark.parametrize('status', [404, 503])
def test_a_plot_fetch_failure_names_the_host_and_not_the_url_userinfo(status):
    with FeedServer() as server:
        server.serve('mix', Answer(b'', status))
        url = server.eco2mix_url.replace('http://', 'http://rte:s3cr3t@')

        message, _, _ = fetch_bounded(url)

    assert message.startswith(f'cannot fetch éCO2mix type=mix: 127.0.0.1:{server.port} answered HTTP {status} ')
    assert 's3cr3t' not in message
    assert server.requests[0].headers['Authorization'] == 'Basic cnRlOnMzY3IzdA=='  # rte:s3cr3t, as requests sends it


def test_a_refused_connection_names_the_host_and_not_the_url_userinfo():
    url = refused_url().replace('http://', 'http://rte:s3cr3t@')

    message, _, _ = fetch_bounded(url)

    assert message.startswith('cannot fetch éCO2mix type=mix: cannot connect to 127.0.0.1:'), message
    assert 's3cr3t' not in message
