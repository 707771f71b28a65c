"""Property: whatever the bytes of the feeds issue 12 added (the prices, the regions, ODRE's national details), the
way through the check (bytes -> parse -> reading -> kept state -> cache -> metrics) raises nothing but FeedError,
never hangs, and gives only finite metrics whose tags come from the project's own tables."""

import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_grid_properties import REGIONAL_FIELDS, XML_PIECES, market_answers, odre_answers

from datadog_exercise.eco2mix import market, odre, regional
from datadog_exercise.eco2mix.labels import BORDERS, FUELS, ODRE_FIELDS
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.reading import MAX_TALLIED
from datadog_exercise.elec_france import feeds, policy
from datadog_exercise.elec_france.answer import odre_reading, prices_reading, regional_reading
from datadog_exercise.elec_france.metrics import DETAILS, price_metrics, regional_metrics, snapshot_metrics
from datadog_exercise.elec_france.state import FeedState

from support import FIXTURES, mutated, no_hang

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HANG_SECONDS = 5
NOW = datetime(2024, 3, 31, 10, 0, tzinfo=UTC)  # the spring change day: the generated answers speak of it
KNOWN_TAGS = (
    {f'area:{area}' for area in market.AREAS.values()}
    | {f'region:{slug}' for slug in regional.SLUGS}
    | {f'fuel:{fuel}' for fuel in (*FUELS, *regional.FUELS.values())}
    | {f'border:{border}' for border in BORDERS}
    | {'technology:onshore', 'technology:offshore'}
)
MAX_METRICS = {feeds.MARKET: len(market.AREAS), feeds.ODRE_REGIONAL: 9 * len(regional.SLUGS), feeds.ODRE: 9}


def through_the_check(feed, body, now=NOW):
    """What the check does with an answer of a scheduled feed; only FeedError may come out, what comes out is sound."""
    parse = {feeds.MARKET: market.parse, feeds.ODRE_REGIONAL: regional.parse, feeds.ODRE: odre.parse}[feed]
    with no_hang(HANG_SECONDS):
        try:
            answer = parse(body, feeds.MAX_BYTES[feed])
        except FeedError:
            return
        assert len(answer.problems.first) <= MAX_TALLIED
        epoch = now.timestamp()
        try:
            if feed == feeds.MARKET:
                reading = prices_reading(answer, epoch)
            elif feed == feeds.ODRE_REGIONAL:
                reading = regional_reading(answer, epoch, regional.SLUGS)
            else:
                reading = odre_reading(answer, epoch)
        except FeedError:
            return
        state = policy.after_scheduled_reading(feed, FeedState(), epoch, reading)
        assert FeedState.from_json(feed, state.to_json(feed)) == state  # what the check keeps, it loads back
        assert epoch < state.next_fetch_at <= epoch + 25 * 3600
        if feed == feeds.MARKET:
            metrics = price_metrics(market.prices_at(state.reading, now))
        elif feed == feeds.ODRE_REGIONAL:
            metrics = [metric for held in state.reading.values() for metric in regional_metrics(held)]
        else:
            metrics = snapshot_metrics(state.reading, [DETAILS])
        assert len(metrics) <= MAX_METRICS[feed]
        for name, value, tags in metrics:
            assert isinstance(value, float) and value == value and abs(value) < float('inf'), (name, value)
            assert set(tags) <= KNOWN_TAGS, tags


@SETTINGS
@given(st.sampled_from([feeds.MARKET, feeds.ODRE_REGIONAL, feeds.ODRE]), st.binary(max_size=2000))
def test_arbitrary_bytes(feed, body):
    through_the_check(feed, body)


MARKET_BASE = (FIXTURES / 'market_prices_dst_spring_2024-03-31_elapsed.xml').read_bytes()


@SETTINGS
@given(mutated(MARKET_BASE, XML_PIECES))
def test_mutated_market_answers(body):
    through_the_check(feeds.MARKET, body)


@SETTINGS
@given(market_answers())
def test_generated_market_answers(body):
    through_the_check(feeds.MARKET, body)


@SETTINGS
@given(odre_answers(REGIONAL_FIELDS))
def test_generated_regional_answers(body):
    through_the_check(feeds.ODRE_REGIONAL, body)


DETAIL_FIELDS = st.sampled_from(
    [field for field, key in ODRE_FIELDS.items() if key.series in ('commercial_exchange', 'battery_charging')]
    + ['destockage_batterie', 'eolien_offshore', 'nucleaire', 'consommation', 'ech_physiques', 'pompage']
)


@SETTINGS
@given(odre_answers(DETAIL_FIELDS))
def test_generated_national_answers_for_the_details(body):
    through_the_check(feeds.ODRE, body)


@SETTINGS
@given(st.lists(st.sampled_from(json.loads((FIXTURES / 'odre_records_2023-09-22.json').read_text())['results'])))
def test_recorded_national_records_in_any_number_and_order(records):
    body = json.dumps({'results': records[:100]}).encode()
    through_the_check(feeds.ODRE, body, now=datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC))
