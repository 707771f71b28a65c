"""Issue 12 through the check, on a real local HTTP server: forecasts, borders, batteries, the wind split, the
day-ahead prices and the regions, each with its exact values and tags, and what happens when a feed fails."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from datadog_checks.base import AgentCheck
from datadog_checks.dev.utils import get_metadata_metrics
from test_elec_france_check import TAGS, assert_current_production

from datadog_exercise.eco2mix.regional import SLUGS
from datadog_exercise.elec_france import feeds
from datadog_exercise.elec_france.check import ElecFranceCheck

from feedserver import Answer, FeedServer
from support import FIXTURES

GENERATED = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC).timestamp()  # 02:21 Paris, date_actuelle of the fixtures
AGE = 369.0  # the 02:00-02:15 Paris quarter-hour ended 6 min 9 s before
SERVED = {
    'mix': 'eco2mix_mix_2023-09-21_22.xml',
    'co2': 'eco2mix_co2_2023-09-21_22.xml',
    'odre': 'odre_records_2023-09-22.json',
    'odre_regional': 'odre_regional_2023-09-22.json',
    'market': 'market_prices_2023-09-21_23.xml',
}
# The scheduled feeds are fetched one a run: three runs fetch them all.
RUNS_TO_FETCH_ALL = 3


def fixture(name):
    return Answer((FIXTURES / name).read_bytes())


@pytest.fixture
def server():
    with FeedServer() as running:
        for kind, name in SERVED.items():
            running.serve(kind, fixture(name))
        yield running


@pytest.fixture
def make_check(server, datadog_agent):
    def make(now=GENERATED, **options):
        instance = {**server.urls, 'timeout': 2, 'tags': TAGS, 'regions': 'all', **options}
        check = ElecFranceCheck('elec_france', {}, [instance])
        check.check_id = 'elec_france:grid'
        check.clock = lambda: now
        return check

    return make


def last_run(check, dd_run_check, aggregator, runs=RUNS_TO_FETCH_ALL):
    """Run `runs` times; the aggregator then holds what the last run submitted."""
    for _ in range(runs):
        aggregator.reset()
        dd_run_check(check)


def test_everything_on_reports_every_figure_with_its_exact_value_and_tags(make_check, dd_run_check, aggregator):
    check = make_check()

    last_run(check, dd_run_check, aggregator)

    def gauge(name, value, *tags):
        aggregator.assert_metric(f'elec_france.{name}', value, tags=[*TAGS, *tags], count=1)

    eco2mix, odre, market = 'feed:eco2mix', 'feed:odre', 'feed:market'
    assert_current_production(aggregator, 'eco2mix')  # the national mix, as with every option off
    # The reported quarter-hour's forecasts, from the same type=mix answer.
    gauge('consumption.forecast', 37300, eco2mix, 'horizon:day_ahead')
    gauge('consumption.forecast', 36900, eco2mix, 'horizon:intraday')
    # ODRE's figures for the same quarter-hour (02:00 Paris): France exports on every border.
    for border, value in {'gb': -3028, 'es': -2125, 'it': -1277, 'ch': -2226, 'de_be': -5143}.items():
        gauge('exchange.commercial', value, odre, f'border:{border}')
    gauge('battery.charging', 4, odre)  # published as -4
    gauge('battery.discharging', 4, odre)
    gauge('production.breakdown', 6849, odre, 'fuel:wind', 'technology:onshore')
    gauge('production.breakdown', 591, odre, 'fuel:wind', 'technology:offshore')
    gauge('data.age', AGE, odre)
    # 02:21 Paris: the prices of hour 2 of the 22nd. Germany (DE) is ND all day: no price, no tag.
    prices = {'at': 5.34, 'be': 1.21, 'ch': 11.35, 'de_lu': 0.93, 'es': 1.69, 'fr': 1.69, 'gb': 1.17, 'it': 92.0}
    for area, value in (prices | {'nl': 0.94, 'pt': 1.69}).items():
        gauge('price.day_ahead', value, market, f'area:{area}')
    # A region: Auvergne-Rhône-Alpes at 02:00 Paris.
    region = ['feed:odre_regional', 'region:auvergne_rhone_alpes']
    production = {'nuclear': 8300, 'thermal': 49, 'hydro': 1851, 'wind': 206, 'solar': 0, 'bioenergy': 72}
    for fuel, value in production.items():
        gauge('region.production', value, *region, f'fuel:{fuel}')
    gauge('region.consumption', 5079, *region)
    gauge('region.exchange.balance', -5234, *region)  # exports
    gauge('region.pumping', 165, *region)  # published as -165
    gauge('data.age', AGE, *region)
    for slug in SLUGS:
        aggregator.assert_metric('elec_france.region.consumption', tags=[*TAGS, 'feed:odre_regional', f'region:{slug}'])
    aggregator.assert_metric('elec_france.region.production', count=12 * 6)
    aggregator.assert_metric('elec_france.data.age', count=2 + 12)
    # éCO2mix and ODRE compared at 02:00 Paris, the latest quarter-hour both have: they agree.
    gauge('feed.mismatches', 0)
    aggregator.assert_service_check('elec_france.feed_consistency', AgentCheck.OK, tags=TAGS, count=1)
    aggregator.assert_all_metrics_covered()
    elec_france = {name: row for name, row in get_metadata_metrics().items() if row['integration'] == 'elec_france'}
    aggregator.assert_metrics_using_metadata(elec_france, check_symmetric_inclusion=True)
    aggregator.assert_service_check('elec_france.can_connect', AgentCheck.OK, tags=TAGS, count=1)
    assert check.get_warnings() == []


def test_with_everything_on_an_instance_submits_172_metric_contexts(make_check, dd_run_check, aggregator):
    last_run(make_check(), dd_run_check, aggregator)

    contexts = {(name, tuple(sample.tags)) for name in aggregator.metric_names for sample in aggregator.metrics(name)}

    # 29 of the national mix, 2 forecasts, 10 of ODRE (5 borders, 2 batteries, 2 wind, their age), 10 prices,
    # 12 regions x (6 fuels, consumption, exchange, pumping, age), and the cross-check's mismatches.
    assert len(contexts) == 29 + 2 + 10 + 10 + 12 * 10 + 1 == 172


def test_each_feed_is_asked_once_with_its_own_request(make_check, dd_run_check, server, aggregator):
    last_run(make_check(), dd_run_check, aggregator)

    assert [(request.path, request.params) for request in server.requests] == [
        ('/curves/eco2mixWeb', {'type': 'mix', 'dateDeb': '21/09/2023', 'dateFin': '22/09/2023', 'mode': 'NORM'}),
        ('/curves/eco2mixWeb', {'type': 'co2', 'dateDeb': '21/09/2023', 'dateFin': '22/09/2023', 'mode': 'NORM'}),
        ('/curves/getDonneesMarche', {'dateDeb': '22/09/2023', 'dateFin': '23/09/2023', 'mode': 'NORM'}),
        (
            '/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records',
            {
                'order_by': 'date_heure desc',
                'limit': '8',
                'where': 'consommation is not null',
                'timezone': 'Europe/Paris',
            },
        ),
        (
            '/api/explore/v2.1/catalog/datasets/eco2mix-regional-tr/records',
            {
                'order_by': 'date_heure desc',
                'limit': '96',
                'where': 'consommation is not null',
                'timezone': 'Europe/Paris',
            },
        ),
    ]


def test_the_requests_a_command_would_record_are_the_checks(make_check, dd_run_check, server, aggregator):
    check = make_check()
    last_run(check, dd_run_check, aggregator)

    built = feeds.requests(check.config, GENERATED)

    def canonical(path, params):
        return path, sorted((key, str(value)) for key, value in params.items())

    sent = [canonical(request.path, request.params) for request in server.requests]
    assert sorted(canonical(urlsplit(request.endpoint.url).path, request.params) for request in built) == sorted(sent)


def test_served_by_odre_the_details_come_with_the_national_quarter_hour(make_check, dd_run_check, server, aggregator):
    server.serve('mix', Answer(b'', 502))
    check = make_check(regions=[], prices=False)

    last_run(check, dd_run_check, aggregator, runs=2)

    # One age for ODRE: the details are the national quarter-hour's own, not a second reading of the same feed.
    aggregator.assert_metric('elec_france.data.age', AGE, tags=[*TAGS, 'feed:odre'], count=1)
    aggregator.assert_metric('elec_france.exchange.commercial', -3028, tags=[*TAGS, 'feed:odre', 'border:gb'], count=1)
    aggregator.assert_metric('elec_france.consumption.forecast', 37300, tags=[*TAGS, 'feed:odre', 'horizon:day_ahead'])
    aggregator.assert_metric('elec_france.consumption', 36278, tags=[*TAGS, 'feed:odre'], count=1)


def test_source_odre_asks_odre_alone_for_the_details_too(make_check, dd_run_check, server, aggregator):
    last_run(make_check(source='odre', regions=[], prices=False), dd_run_check, aggregator)

    assert [feed for feed in ('mix', 'co2', 'odre') if server.count(feed)] == ['odre']
    assert server.count('odre') == 1
    aggregator.assert_metric('elec_france.battery.discharging', 4, tags=[*TAGS, 'feed:odre'], count=1)


# ---- a feed that fails, or answers what cannot be used -------------------------------------------------------


@pytest.mark.parametrize(
    'answer, message',
    [
        (
            fixture('rte_maintenance.html'),
            'éCO2mix market prices answer unusable: received an HTML page, not éCO2mix market-prices XML '
            "(title: 'Service momentanément indisponible')",
        ),
        (
            fixture('market_prices_2024-04-16_not_published.xml'),
            'éCO2mix market prices answer unusable: no price for 2023-09-22 or the day after (days with prices: none)',
        ),
        (
            fixture('eco2mix_mix_2023-09-21_22.xml'),
            'éCO2mix market prices answer unusable: this is the éCO2mix mix or CO2 feed (<mixtr> days, eco2mixWeb), '
            'not the market prices (<donneesMarche> days, getDonneesMarche): check the URL',
        ),
        (Answer(b'', 503, {'Retry-After': '1200'}), 'answered HTTP 503 Service Unavailable (Retry-After: 1200 s)'),
    ],
    ids=['html', 'nd-all-day', 'mix-feed', '503'],
)
def test_a_market_feed_that_cannot_be_used_is_a_warning_and_no_price(
    make_check, dd_run_check, server, aggregator, answer, message
):
    server.serve('market', answer)
    check = make_check(regions=[], grid_details=False)

    last_run(check, dd_run_check, aggregator, runs=1)

    warning, no_price = check.get_warnings()
    assert warning.startswith('éCO2mix market prices not refreshed: ') and message in warning
    assert no_price == 'no day-ahead price for the current hour (prices held for: none)'
    assert not aggregator.metrics('elec_france.price.day_ahead')
    aggregator.assert_service_check('elec_france.can_connect', AgentCheck.OK)  # the national mix is fine
    aggregator.assert_metric('elec_france.consumption', 36278)
    delay = 1200 if 'Retry-After' in message else 300  # the first backoff, or what the server asked
    assert check.scheduled['market'].next_fetch_at == GENERATED + delay


def test_a_region_missing_from_an_answer_keeps_its_last_reading_with_its_own_age(
    make_check, dd_run_check, server, aggregator
):
    check = make_check(prices=False, grid_details=False, cross_check=False)
    last_run(check, dd_run_check, aggregator, runs=1)  # every region at 02:00 Paris
    server.serve('odre_regional', fixture('odre_regional_2023-09-22_region_missing.json'))
    check.clock = lambda: GENERATED + 3600  # an hour later, the next regional request

    last_run(check, dd_run_check, aggregator, runs=1)

    assert check.get_warnings() == ['ODRE regional: no usable quarter-hour for bretagne in the answer']
    bretagne = [*TAGS, 'feed:odre_regional', 'region:bretagne']
    aggregator.assert_metric('elec_france.data.age', AGE + 3600, tags=bretagne, count=1)
    aggregator.assert_metric('elec_france.region.consumption', tags=bretagne, count=1)
    aggregator.assert_metric('elec_france.region.consumption', count=12)
    assert server.count('odre_regional') == 2


def test_regions_not_asked_for_are_neither_reported_nor_kept(make_check, dd_run_check, aggregator):
    check = make_check(prices=False, grid_details=False, cross_check=False, regions=['bretagne', 'ile_de_france'])

    last_run(check, dd_run_check, aggregator, runs=1)

    regions = {tag for sample in aggregator.metrics('elec_france.region.consumption') for tag in sample.tags}
    assert {tag for tag in regions if tag.startswith('region:')} == {'region:bretagne', 'region:ile_de_france'}
    assert set(check.scheduled['odre_regional'].reading) == {'bretagne', 'ile_de_france'}
    # Île-de-France has no nuclear plant: its 0 is published and reported, not made up.
    aggregator.assert_metric(
        'elec_france.region.production',
        0,
        tags=[*TAGS, 'feed:odre_regional', 'region:ile_de_france', 'fuel:nuclear'],
        count=1,
    )


@pytest.mark.parametrize(
    'name, now, region, start',
    [
        # Spring: 03:15 Paris summer time follows 01:45 winter time.
        ('odre_regional_dst_spring_2024-03-31.json', datetime(2024, 3, 31, 1, 40), 'bretagne', (1, 15)),
        # Autumn: the second 02:15 Paris (winter time) is after the first (summer time): it is the latest.
        ('odre_regional_dst_autumn_2023-10-29.json', datetime(2023, 10, 29, 1, 40), 'bretagne', (1, 15)),
    ],
    ids=['spring', 'autumn'],
)
def test_regional_quarter_hours_across_a_clock_change_keep_their_own_instant(
    make_check, dd_run_check, server, aggregator, name, now, region, start
):
    server.serve('odre_regional', fixture(name))
    now = now.replace(tzinfo=UTC)
    check = make_check(now=now.timestamp(), source='odre', prices=False, grid_details=False)

    last_run(check, dd_run_check, aggregator, runs=1)

    quarter_hour = check.scheduled['odre_regional'].reading[region]
    assert quarter_hour.start == now.replace(hour=start[0], minute=start[1])
    end = quarter_hour.start + timedelta(minutes=15)
    tags = [*TAGS, 'feed:odre_regional', f'region:{region}']
    aggregator.assert_metric('elec_france.data.age', (now - end).total_seconds(), tags=tags, count=1)


def test_a_regional_answer_dated_after_this_hosts_clock_is_a_fault_not_data(make_check, dd_run_check, aggregator):
    check = make_check(now=GENERATED - 3600, source='odre', prices=False, grid_details=False)

    last_run(check, dd_run_check, aggregator, runs=1)

    assert (
        "ODRE regional not refreshed: ODRE regional answer unusable: auvergne_rhone_alpes's latest quarter-hour "
        "ends at 2023-09-22 00:15 UTC, after this host's clock (2023-09-21 23:21 UTC)"
    ) in check.get_warnings()
    assert not aggregator.metrics('elec_france.region.consumption')
    assert check.scheduled['odre_regional'].reading is None


# ---- prices: once a day, the current hour each run, 23- and 25-hour days -------------------------------------


def test_the_price_of_each_hour_comes_from_the_cache_without_asking_again(make_check, dd_run_check, server, aggregator):
    check = make_check(regions=[], grid_details=False)
    last_run(check, dd_run_check, aggregator, runs=1)
    fr = [*TAGS, 'feed:market', 'area:fr']
    aggregator.assert_metric('elec_france.price.day_ahead', 1.69, tags=fr, count=1)  # 02:00-03:00 Paris

    check.clock = lambda: GENERATED + 3600  # 03:21 Paris
    last_run(check, dd_run_check, aggregator, runs=1)

    aggregator.assert_metric('elec_france.price.day_ahead', 1.51, tags=fr, count=1)
    assert server.count('market') == 1
    # Next ask: 14:00 Paris today, when tomorrow's prices are out.
    assert check.scheduled['market'].next_fetch_at == datetime(2023, 9, 22, 12, 0, tzinfo=UTC).timestamp()


# Real hour k of a clock-change day starts k hours after Paris midnight. Numbered by elapsed time, its price is
# the k-th; by wall clock in spring the hour 02:00-03:00 does not exist (hour 2 is 03:00, periode 3), in autumn
# the second 02:00-03:00 (winter time, hour 3) has no price and the check says so.
@pytest.mark.parametrize(
    'name, midnight, hour, periode',
    [
        ('market_prices_dst_spring_2024-03-31_elapsed.xml', datetime(2024, 3, 30, 23), 2, 2),
        ('market_prices_dst_spring_2024-03-31_wall_clock.xml', datetime(2024, 3, 30, 23), 2, 3),
        ('market_prices_dst_spring_2024-03-31_elapsed.xml', datetime(2024, 3, 30, 23), 22, 22),  # 23:00, the last
        ('market_prices_dst_autumn_2023-10-29_elapsed.xml', datetime(2023, 10, 28, 22), 3, 3),
        ('market_prices_dst_autumn_2023-10-29_wall_clock.xml', datetime(2023, 10, 28, 22), 3, None),
        ('market_prices_dst_autumn_2023-10-29_elapsed.xml', datetime(2023, 10, 28, 22), 24, 24),  # 23:00, the last
    ],
    ids=['23h-elapsed', '23h-wall-clock', '23h-last', '25h-elapsed', '25h-wall-clock-repeated-hour', '25h-last'],
)
def test_23_and_25_hour_days_give_each_real_hour_at_most_one_price(
    make_check, dd_run_check, server, aggregator, name, midnight, hour, periode
):
    server.serve('market', fixture(name))
    body = (FIXTURES / name).read_bytes().decode()
    now = midnight.replace(tzinfo=UTC) + timedelta(hours=hour, minutes=30)
    check = make_check(now=now.timestamp(), source='odre', regions=[], grid_details=False)

    last_run(check, dd_run_check, aggregator, runs=1)

    samples = aggregator.metrics('elec_france.price.day_ahead')
    fr = [sample.value for sample in samples if 'area:fr' in sample.tags]
    if periode is None:
        assert fr == [] and check.get_warnings()[-1].startswith('no day-ahead price for the current hour')
    else:
        row = body.split("perimetre='FR'")[1].split('</type>')[0]
        expected = float(row.split(f"<valeur periode='{periode}'>")[1].split('<')[0])
        assert fr == [expected]
