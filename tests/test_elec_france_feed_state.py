"""The persistent cache of the feeds fetched on their own schedule (ODRE's details, the regions, the prices), read
as hostile as the national one: any JSON at all is either a state the check would have written or a fresh start."""

import json
import math
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_elec_france_state import JSON_LEAVES, dumps

from datadog_exercise.eco2mix import market, odre, regional
from datadog_exercise.elec_france import feeds, policy
from datadog_exercise.elec_france.answer import odre_reading, prices_reading, regional_reading
from datadog_exercise.elec_france.check import ElecFranceCheck
from datadog_exercise.elec_france.metrics import DETAILS, price_metrics, regional_metrics, snapshot_metrics
from datadog_exercise.elec_france.state import FeedState

from feedserver import Answer, FeedServer
from support import FIXTURES, NATIONAL_ONLY

NOW = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC).timestamp()


def reading_of(feed):
    body = (
        FIXTURES
        / {'odre': 'odre_records_2023-09-22.json', 'odre_regional': 'odre_regional_2023-09-22.json'}.get(
            feed, 'market_prices_2023-09-21_23.xml'
        )
    ).read_bytes()
    if feed == feeds.ODRE:
        return odre_reading(odre.parse(body), NOW)
    if feed == feeds.ODRE_REGIONAL:
        return regional_reading(regional.parse(body), NOW, regional.SLUGS)
    return prices_reading(market.parse(body), NOW)


VALID = {
    feed: FeedState(reading=reading_of(feed), next_fetch_at=NOW + 600, failures=2, last_error='boom')
    for feed in (feeds.ODRE, feeds.ODRE_REGIONAL, feeds.MARKET)
}


def saved(feed, **changes):
    """The valid saved state of `feed` with some fields replaced (a path's parts are joined by `__`)."""
    state = json.loads(VALID[feed].to_json(feed))
    for path, value in changes.items():
        target = state
        *parents, leaf = path.split('__')
        for parent in parents:
            target = target[int(parent) if parent.isdigit() else parent]
        target[int(leaf) if leaf.isdigit() else leaf] = value
    return json.dumps(state)


def assert_sound(feed, state):
    """What any loaded state must be: what the check writes itself, and harmless to report."""
    assert isinstance(state, FeedState)
    assert FeedState.from_json(feed, state.to_json(feed)) == state
    assert math.isfinite(state.next_fetch_at) and 0 <= state.failures <= 1_000_000
    current = policy.scheduled_within_clock(feed, state, NOW)
    assert current.next_fetch_at <= NOW + 25 * 3600
    if current.reading is None:
        return
    if feed == feeds.ODRE:
        metrics = snapshot_metrics(current.reading, [DETAILS])
    elif feed == feeds.ODRE_REGIONAL:
        metrics = [metric for quarter_hour in current.reading.values() for metric in regional_metrics(quarter_hour)]
    else:
        metrics = price_metrics(market.prices_at(current.reading, datetime.fromtimestamp(NOW, UTC)))
    assert all(math.isfinite(value) for _, value, _ in metrics)


@pytest.mark.parametrize('feed', VALID)
def test_a_saved_state_round_trips(feed):
    assert FeedState.from_json(feed, VALID[feed].to_json(feed)) == VALID[feed]


CORRUPT = {
    'another feed': (feeds.MARKET, saved(feeds.ODRE)),
    'format 2': (feeds.MARKET, saved(feeds.MARKET, format=2)),
    'next_fetch_at NaN': (
        feeds.MARKET,
        saved(feeds.MARKET, next_fetch_at=math.nan),
    ),
    'failures -1': (feeds.MARKET, saved(feeds.MARKET, failures=-1)),
    'last_error a number': (feeds.MARKET, saved(feeds.MARKET, last_error=3)),
    'price Infinity': (feeds.MARKET, saved(feeds.MARKET, reading__0__4__0__1=math.inf)),
    'price 1e9': (feeds.MARKET, saved(feeds.MARKET, reading__0__4__0__1=1e9)),
    'price text': (feeds.MARKET, saved(feeds.MARKET, reading__0__4__0__1='12')),
    'area minted': (feeds.MARKET, saved(feeds.MARKET, reading__0__0='xx')),
    'area-day twice': (feeds.MARKET, saved(feeds.MARKET, reading__1__0='at')),
    'period 100': (feeds.MARKET, saved(feeds.MARKET, reading__0__4__0__0=100)),
    'period twice': (feeds.MARKET, saved(feeds.MARKET, reading__0__4__1__0=0)),
    'period true': (feeds.MARKET, saved(feeds.MARKET, reading__0__4__0__0=True)),
    'spring hour that does not exist': (
        feeds.MARKET,
        saved(feeds.MARKET, reading__0__1='2024-03-31', reading__0__4__2__0=2),
    ),
    'numbering unknown': (feeds.MARKET, saved(feeds.MARKET, reading__0__3='lunar')),
    'resolution unknown': (feeds.MARKET, saved(feeds.MARKET, reading__0__2='weekly')),
    'day 9999-12-31': (feeds.MARKET, saved(feeds.MARKET, reading__0__1='9999-12-31')),
    'prices of 10^4 area-days': (
        feeds.MARKET,
        saved(feeds.MARKET, reading=[['fr', '2023-09-22', 'hourly', 'wall_clock', []]] * 10_000),
    ),
    'no area-day': (feeds.MARKET, saved(feeds.MARKET, reading=[])),
    'region minted': (feeds.ODRE_REGIONAL, saved(feeds.ODRE_REGIONAL, reading__0__0='corse')),
    'region twice': (feeds.ODRE_REGIONAL, saved(feeds.ODRE_REGIONAL, reading__1__0='auvergne_rhone_alpes')),
    'region fuel minted': (feeds.ODRE_REGIONAL, saved(feeds.ODRE_REGIONAL, reading__0__2={'coal': 1.0})),
    'region consumption 1e307': (feeds.ODRE_REGIONAL, saved(feeds.ODRE_REGIONAL, reading__0__3=1e307)),
    'region pumping negative': (feeds.ODRE_REGIONAL, saved(feeds.ODRE_REGIONAL, reading__0__5=-50_000)),
    'region start off the quarter-hour': (
        feeds.ODRE_REGIONAL,
        saved(feeds.ODRE_REGIONAL, reading__0__1='2023-09-22T00:07:00+00:00'),
    ),
    'no region': (feeds.ODRE_REGIONAL, saved(feeds.ODRE_REGIONAL, reading=[])),
    'odre reading from eco2mix': (feeds.ODRE, saved(feeds.ODRE, reading__feed='eco2mix')),
    'odre reading of nuclear alone': (feeds.ODRE, saved(feeds.ODRE, reading__values=[['nuclear', None, 1.0]])),
    'odre border minted': (feeds.ODRE, saved(feeds.ODRE, reading__values__0=['commercial_exchange', 'mars', 1.0])),
    'not JSON': (feeds.ODRE, '{not json'),
    'nested 100000 deep': (feeds.ODRE, '[' * 100_000 + ']' * 100_000),
}


@pytest.mark.parametrize('feed, text', CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_cache_is_a_fresh_start(feed, text):
    assert FeedState.from_json(feed, text) == FeedState()


@pytest.mark.parametrize(
    'feed, reading',
    [
        (feeds.MARKET, [['fr', '2099-01-01', 'hourly', 'wall_clock', [[0, 50.0]]]]),
        (feeds.ODRE_REGIONAL, None),
        (feeds.ODRE, None),
    ],
)
def test_a_cached_reading_dated_after_this_hosts_clock_is_dropped_and_the_feed_asked_again(feed, reading):
    state = json.loads(VALID[feed].to_json(feed))
    if reading is not None:
        state['reading'] = reading
    loaded = FeedState.from_json(feed, json.dumps(state))
    an_hour_earlier = NOW - 3600  # the same cache, on a host whose clock is an hour behind it

    current = policy.scheduled_within_clock(feed, loaded, an_hour_earlier)

    assert (current.reading, current.next_fetch_at) == (None, an_hour_earlier)


@pytest.fixture
def server():
    with FeedServer() as running:
        running.serve('mix', Answer((FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()))
        running.serve('market', Answer((FIXTURES / 'market_prices_2023-09-21_23.xml').read_bytes()))
        yield running


@pytest.mark.parametrize(
    'text',
    [text for feed, text in CORRUPT.values() if feed == feeds.MARKET],
    ids=[name for name, (feed, _) in CORRUPT.items() if feed == feeds.MARKET],
)
def test_the_check_on_a_corrupt_prices_cache_asks_afresh_and_reports(
    text, server, datadog_agent, dd_run_check, aggregator
):
    datadog_agent.write_persistent_cache('elec_france:feed_state_market', text)
    instance = {**server.urls, 'source': 'eco2mix', 'co2': False, **NATIONAL_ONLY, 'prices': True}
    check = ElecFranceCheck('elec_france', {}, [instance])
    check.check_id = 'elec_france:feed_state'
    check.clock = lambda: NOW

    dd_run_check(check)

    assert server.count('market') == 1
    aggregator.assert_metric('elec_france.price.day_ahead', 1.69, tags=['feed:market', 'area:fr'], count=1)
    assert (
        FeedState.from_json('market', datadog_agent.read_persistent_cache('elec_france:feed_state_market'))
        == check.scheduled['market']
    )


# ---- properties -------------------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Any JSON (test_elec_france_state's), with values of these feeds' own fields among the leaves.
JSON = st.recursive(
    JSON_LEAVES
    | st.sampled_from([99, 100, -1, '2023-09-22', 'fr', 'bretagne', 'hourly', 'elapsed', 'wall_clock', 'odre']),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=16,
)
PATHS = {
    feeds.MARKET: [
        'reading',
        'reading__0',
        'reading__0__0',
        'reading__0__1',
        'reading__0__2',
        'reading__0__3',
        'reading__0__4',
        'reading__0__4__0',
        'reading__0__4__0__0',
        'reading__0__4__0__1',
        'next_fetch_at',
    ],
    feeds.ODRE_REGIONAL: [
        'reading',
        'reading__0',
        'reading__0__0',
        'reading__0__1',
        'reading__0__2',
        'reading__0__2__nuclear',
        'reading__0__3',
        'reading__0__4',
        'reading__0__5',
        'failures',
    ],
    feeds.ODRE: [
        'reading',
        'reading__feed',
        'reading__start',
        'reading__values',
        'reading__values__0',
        'reading__values__0__1',
        'reading__values__0__2',
        'last_error',
    ],
}


@SETTINGS
@given(st.sampled_from(sorted(VALID)), JSON)
def test_any_json_is_a_valid_state_or_a_fresh_start(feed, value):
    assert_sound(feed, FeedState.from_json(feed, dumps(value)))


@SETTINGS
@given(st.data())
def test_a_saved_state_with_any_fields_replaced_is_a_valid_state_or_a_fresh_start(data):
    feed = data.draw(st.sampled_from(sorted(VALID)))
    changes = data.draw(st.dictionaries(st.sampled_from(PATHS[feed]), JSON, min_size=1, max_size=3))
    try:
        text = saved(feed, **changes)
    except (IndexError, KeyError, TypeError):  # a path through a field an earlier change replaced
        return
    assert_sound(feed, FeedState.from_json(feed, text))
