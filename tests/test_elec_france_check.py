"""The `elec_france` check against a real local HTTP server serving recorded answers and faults."""

from datetime import UTC, datetime

import pytest
from datadog_checks.base import AgentCheck
from datadog_checks.dev.utils import get_metadata_metrics

from datadog_exercise.elec_france.check import ElecFranceCheck

from feedserver import Answer, FeedServer, refused_url
from support import FIXTURES, NATIONAL_ONLY

GENERATED = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC).timestamp()  # date_actuelle of the fixtures
AGE = 369.0  # 00:21:09 UTC minus the end of the 00:00-00:15 UTC quarter-hour
TAGS = ['team:energy']


def fixture(name):
    return Answer((FIXTURES / name).read_bytes())


@pytest.fixture
def server():
    with FeedServer() as running:
        running.serve('mix', fixture('eco2mix_mix_2023-09-21_22.xml'))
        running.serve('co2', fixture('eco2mix_co2_2023-09-21_22.xml'))
        running.serve('odre', fixture('odre_records_2023-09-22.json'))
        yield running


@pytest.fixture
def make_check(server, datadog_agent):
    def make(now=GENERATED, **options):
        instance = {'eco2mix_url': server.eco2mix_url, 'odre_url': server.odre_url, 'timeout': 2, 'tags': TAGS}
        instance |= NATIONAL_ONLY
        check = ElecFranceCheck('elec_france', {}, [{**instance, **options}])
        check.check_id = 'elec_france:test'
        check.clock = lambda: now
        return check

    return make


def assert_current_production(aggregator, feed, co2=12.0):
    tags = [*TAGS, f'feed:{feed}']
    production = {
        'nuclear': 37536,
        'coal': 7,
        'gas': 501,
        'oil': 110,
        'hydro': 4408,
        'wind': 7440,
        'solar': 0,
        'bioenergy': 651,
    }
    for fuel, value in production.items():
        aggregator.assert_metric('elec_france.production', value, tags=[*tags, f'fuel:{fuel}'], count=1)
    aggregator.assert_metric('elec_france.production.total', 50653, tags=tags, count=1)
    breakdown = {
        ('hydro', 'run_of_river'): 2860,
        ('hydro', 'lake'): 1105,
        ('hydro', 'pumped_storage'): 443,
        ('gas', 'tac'): 0,
        ('gas', 'cog'): 251,
        ('gas', 'ccg'): 251,
        ('gas', 'aut'): 0,
        ('oil', 'tac'): 0,
        ('oil', 'cog'): 113,
        ('oil', 'aut'): 0,
        ('bioenergy', 'dec'): 53,
        ('bioenergy', 'bma'): 347,
        ('bioenergy', 'bga'): 250,
    }
    for (fuel, technology), value in breakdown.items():
        aggregator.assert_metric(
            'elec_france.production.breakdown', value, tags=[*tags, f'fuel:{fuel}', f'technology:{technology}'], count=1
        )
    aggregator.assert_metric('elec_france.pumping', 236, tags=tags, count=1)
    aggregator.assert_metric('elec_france.exchange.balance', -14141, tags=tags, count=1)
    aggregator.assert_metric('elec_france.consumption', 36278, tags=tags, count=1)
    aggregator.assert_metric('elec_france.co2_intensity', co2, tags=tags, count=1)
    aggregator.assert_metric('elec_france.share.low_carbon', 100 * 50035 / 50653, tags=tags, count=1)
    aggregator.assert_metric('elec_france.share.renewable', 100 * 12499 / 50653, tags=tags, count=1)
    aggregator.assert_metric('elec_france.data.age', AGE, tags=tags, count=1)


def test_submits_the_latest_quarter_hour_with_exact_values_and_tags(make_check, dd_run_check, aggregator):
    check = make_check()

    dd_run_check(check)

    assert_current_production(aggregator, 'eco2mix')
    aggregator.assert_service_check('elec_france.can_connect', AgentCheck.OK, tags=TAGS, count=1)
    aggregator.assert_all_metrics_covered()
    # Every option of issue 12 off: metadata.csv's other rows are covered by test_elec_france_grid.py.
    aggregator.assert_metrics_using_metadata(get_metadata_metrics())
    assert check.get_warnings() == []


def test_asks_for_yesterday_and_today_in_paris_time(make_check, dd_run_check, server):
    server.serve('mix', fixture('eco2mix_mix_2023-09-21_22_after_midnight.xml'))  # what RTE has at that time

    dd_run_check(make_check(now=datetime(2023, 9, 21, 22, 30, tzinfo=UTC).timestamp()))  # 00:30 Paris on the 22nd

    assert [(r.path, r.params) for r in server.requests] == [
        ('/curves/eco2mixWeb', {'type': 'mix', 'dateDeb': '21/09/2023', 'dateFin': '22/09/2023', 'mode': 'NORM'}),
        ('/curves/eco2mixWeb', {'type': 'co2', 'dateDeb': '21/09/2023', 'dateFin': '22/09/2023', 'mode': 'NORM'}),
    ]


def only_health(aggregator, status, message):
    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert (sample.status, sample.tags, sample.message) == (status, TAGS, message)
    assert aggregator.metric_names == []


@pytest.mark.parametrize(
    'answer, message',
    [
        (Answer(b'oops', 500), 'answered HTTP 500 Internal Server Error'),
        (Answer(b'slow down', 429, {'Retry-After': '120'}), 'answered HTTP 429 Too Many Requests (Retry-After: 120 s)'),
        (Answer(b'', 503), 'answered HTTP 503 Service Unavailable'),
        (
            Answer((FIXTURES / 'rte_maintenance.html').read_bytes()),
            'éCO2mix type=mix answer unusable: received an HTML page, not éCO2mix XML '
            "(title: 'Service momentanément indisponible')",
        ),
        (
            Answer((FIXTURES / 'market_prices_2024-04-13.xml').read_bytes()),
            'éCO2mix type=mix answer unusable: this is the market-prices feed',
        ),
        (Answer(b''), 'éCO2mix type=mix answer unusable: empty response body (0 bytes)'),
        (
            Answer((FIXTURES / 'hostile_billion_laughs.xml').read_bytes()),
            'éCO2mix type=mix answer unusable: refused a document that declares a DTD',
        ),
        (
            Answer(
                (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()[:40_000], headers={'Content-Length': '40000'}
            ),
            'éCO2mix type=mix answer unusable: malformed XML (40000 bytes)',
        ),
        (Answer(b'x' * 2000, delay=3), 'did not answer within 2 s'),
        (Answer((FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes(), drip=0.2), 'took more than 2 s to send'),
        (Answer((FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes(), hang_up=True), 'broke off its answer after'),
    ],
    ids=['500', '429', '503', 'html', 'market', 'empty', 'hostile', 'truncated', 'timeout', 'slow-body', 'hang-up'],
)
def test_a_failing_feed_is_critical_with_the_reason_and_submits_nothing(
    make_check, dd_run_check, aggregator, server, answer, message
):
    server.serve('mix', answer)
    check = make_check(source='eco2mix')

    dd_run_check(check)  # the run itself succeeds: a failing feed never crashes the check

    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert sample.status == AgentCheck.CRITICAL
    assert sample.message.startswith('eco2mix: ')
    assert message in sample.message
    assert aggregator.metric_names == []
    assert check.get_warnings() == ['no electricity data yet: nothing usable has been received from RTE']


def test_a_refused_connection_is_critical_with_the_reason(make_check, dd_run_check, aggregator):
    url = refused_url()
    check = make_check(source='eco2mix', eco2mix_url=url)

    dd_run_check(check)

    host = url.split('/')[2]
    only_health(
        aggregator,
        AgentCheck.CRITICAL,
        f'eco2mix: cannot connect to {host}: Failed to establish a new connection: [Errno 111] Connection refused',
    )


def test_429_retry_after_is_honoured(make_check, dd_run_check, server):
    server.serve('mix', Answer(b'', 429, {'Retry-After': '600'}))
    check = make_check(source='eco2mix')

    dd_run_check(check)

    assert check.state.next_fetch_at == GENERATED + 600


def test_when_eco2mix_fails_odre_serves_the_same_metrics_tagged_feed_odre(make_check, dd_run_check, aggregator, server):
    server.serve('mix', Answer(b'', 502))
    check = make_check()

    dd_run_check(check)

    assert_current_production(aggregator, 'odre')
    port = server.port
    reason = f'éCO2mix failed (eco2mix: 127.0.0.1:{port} answered HTTP 502 Bad Gateway); the figures come from ODRE'
    # Degraded, not down: WARNING, saying why, on every run while ODRE serves.
    [sample] = aggregator.service_checks('elec_france.can_connect')
    assert (sample.status, sample.message) == (AgentCheck.WARNING, f'{reason}, about an hour later')
    aggregator.assert_all_metrics_covered()
    assert check.get_warnings() == [
        f'éCO2mix failed (eco2mix: 127.0.0.1:{port} answered HTTP 502 Bad Gateway); '
        'the figures come from ODRE, about an hour later'
    ]


def test_source_odre_never_asks_eco2mix(make_check, dd_run_check, aggregator, server):
    dd_run_check(make_check(source='odre'))

    assert_current_production(aggregator, 'odre')
    assert server.count('mix') == server.count('co2') == 0
    assert server.requests[0].params == {
        'order_by': 'date_heure desc',
        'limit': '8',
        'where': 'consommation is not null',
        'timezone': 'Europe/Paris',
    }


def test_both_feeds_failing_names_both_reasons(make_check, dd_run_check, aggregator, server):
    server.serve('mix', Answer(b'', 500))
    server.serve('odre', Answer(b'{"error_code": "ODSQLError", "message": "bad where"}', 200))

    dd_run_check(make_check())

    port = server.port
    only_health(
        aggregator,
        AgentCheck.CRITICAL,
        f'eco2mix: 127.0.0.1:{port} answered HTTP 500 Internal Server Error; '
        'odre: ODRE answer unusable: ODRE answered error ODSQLError: bad where',
    )


def test_data_older_than_max_data_age_is_not_reported_as_current(make_check, dd_run_check, aggregator):
    check = make_check(now=GENERATED + 3 * 3600)

    dd_run_check(check)

    aggregator.assert_metric('elec_france.data.age', AGE + 3 * 3600, tags=[*TAGS, 'feed:eco2mix'], count=1)
    aggregator.assert_service_check('elec_france.can_connect', AgentCheck.OK, count=1)
    aggregator.assert_all_metrics_covered()
    assert check.get_warnings() == [
        'the latest quarter-hour (2023-09-22 02:00 to 02:15 Paris time) ended 3:06:09 ago, more than max_data_age '
        '(2:00:00): production is not reported as current'
    ]


def test_clock_document_judges_age_against_the_documents_own_time(make_check, dd_run_check, aggregator):
    dd_run_check(make_check(now=datetime(2030, 1, 1, tzinfo=UTC).timestamp(), source='eco2mix', clock='document'))

    assert_current_production(aggregator, 'eco2mix')


def test_unknown_series_are_named_in_one_warning_and_the_rest_is_reported(make_check, dd_run_check, aggregator, server):
    server.serve('mix', fixture('eco2mix_mix_2023-09-21_22_unknown_series.xml'))
    check = make_check()

    dd_run_check(check)

    assert_current_production(aggregator, 'eco2mix')
    assert check.get_warnings() == [
        "éCO2mix type=mix: 2 row(s) of unknown series ignored: 'Batterie_Injection', 'Batterie_Soutirage'"
    ]


def test_missing_values_are_not_submitted_as_zero(make_check, dd_run_check, aggregator, server):
    server.serve('mix', fixture('eco2mix_mix_2023-09-21_22_missing_values.xml'))

    dd_run_check(make_check(co2=False))

    # 01:00 Paris is the latest complete quarter-hour; its lake value is 'ND'.
    aggregator.assert_metric('elec_france.production', 37229, tags=[*TAGS, 'feed:eco2mix', 'fuel:nuclear'])
    technologies = {t for m in aggregator.metrics('elec_france.production.breakdown') for t in m.tags}
    assert 'technology:lake' not in technologies and 'technology:run_of_river' in technologies
    assert not aggregator.metrics('elec_france.co2_intensity')


def test_without_co2_the_co2_feed_is_not_asked(make_check, dd_run_check, aggregator, server):
    dd_run_check(make_check(co2=False))

    assert server.count('co2') == 0
    assert not aggregator.metrics('elec_france.co2_intensity')
    aggregator.assert_metric('elec_france.consumption', 36278)


def test_a_failing_co2_feed_is_a_warning_not_an_outage(make_check, dd_run_check, aggregator, server):
    server.serve('co2', Answer(b'', 500))
    check = make_check()

    dd_run_check(check)

    aggregator.assert_service_check('elec_france.can_connect', AgentCheck.OK, count=1)
    aggregator.assert_metric('elec_france.consumption', 36278)
    assert not aggregator.metrics('elec_france.co2_intensity')
    assert check.get_warnings() == [
        f'CO2 intensity not refreshed: 127.0.0.1:{server.port} answered HTTP 500 Internal Server Error'
    ]


@pytest.mark.parametrize(
    'options, message',
    [
        ({'source': 'rte'}, "`source` must be one of auto, eco2mix, odre, got 'rte'"),
        ({'co2': 'yes'}, "`co2` must be true or false, got 'yes'"),
        (
            {'max_data_age': '2h'},
            "`max_data_age` must be a whole number of seconds greater than 0 and at most 604800, got '2h'",
        ),
        (
            {'max_data_age': 0},
            '`max_data_age` must be a whole number of seconds greater than 0 and at most 604800, got 0',
        ),
        ({'timeout': -1}, '`timeout` must be a number of seconds greater than 0 and at most 60, got -1'),
        ({'eco2mix_url': 'ftp://rte'}, "`eco2mix_url` must be an http(s) URL, got 'ftp://rte'"),
        ({'odre_url': None}, '`odre_url` must be an http(s) URL, got None'),
        ({'tags': 'team:energy'}, "`tags` must be a list of strings, got 'team:energy'"),
        (
            {'clock': 'document'},
            '`clock: document` needs `source: eco2mix` (only éCO2mix documents carry their '
            'generation time), got `source: auto`',
        ),
    ],
)
def test_a_wrong_option_is_an_error_run_naming_it(make_check, dd_run_check, server, options, message):
    check = make_check(**options)

    with pytest.raises(Exception) as error:
        dd_run_check(check, extract_message=True)

    assert str(error.value) == message
    assert server.requests == []
