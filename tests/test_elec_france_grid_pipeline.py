"""Property: whatever the bytes of the feeds issue 12 added (the prices, the regions, ODRE's national details), the
parsers raise nothing but FeedError and return finite, plausible values of known areas and regions, and the way
through the check (bytes -> parse -> reading -> kept state -> cache -> metrics) never hangs and gives only finite
metrics whose tags come from the project's own tables."""

import json
import math
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadog_exercise.eco2mix import market, odre, regional
from datadog_exercise.eco2mix.labels import BORDERS, FUELS, ODRE_FIELDS
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.plausible import PRICE_RANGE, REGIONAL_RANGES
from datadog_exercise.eco2mix.reading import MAX_TALLIED
from datadog_exercise.elec_france import feeds, policy
from datadog_exercise.elec_france.answer import odre_reading, prices_reading, regional_reading
from datadog_exercise.elec_france.metrics import DETAILS, price_metrics, regional_metrics, snapshot_metrics
from datadog_exercise.elec_france.state import FeedState

from support import FIXTURES, mutated, no_hang

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HANG_SECONDS = 5
NOW = datetime(2024, 3, 31, 10, 0, tzinfo=UTC)  # the spring change day: the generated answers speak of it
MARKET_BASE = (FIXTURES / 'market_prices_dst_spring_2024-03-31_elapsed.xml').read_bytes()

# Instants a caller asks the price for: every half-hour around both clock changes.
INSTANTS = [
    start + timedelta(minutes=30 * step)
    for start in (datetime(2024, 3, 30, 22, tzinfo=UTC), datetime(2023, 10, 28, 21, tzinfo=UTC))
    for step in range(56)
]


def assert_finite_within(value, low, high):
    assert isinstance(value, float) and math.isfinite(value) and low <= value <= high, value


def bounded(tally):
    return len(tally.first) <= MAX_TALLIED


def assert_sound_prices(prices):
    """One instant per price and one price per instant, of a known area, within the range of prices."""
    assert bounded(prices.problems) and bounded(prices.unknown_areas)
    for area_day in prices.days:
        assert area_day.area in market.AREAS.values()
        starts = [area_day.period_start(period) for period in area_day.prices]
        assert None not in starts and len(set(starts)) == len(starts)  # one instant per price, one price per instant
        for price in area_day.prices.values():
            assert_finite_within(price, *PRICE_RANGE)
    for instant in INSTANTS:
        for area, price in market.prices_at(prices.days, instant).items():
            assert area in market.AREAS.values()
            assert_finite_within(price, *PRICE_RANGE)


def assert_sound_regions(answer):
    """One quarter-hour per region and instant, of a known region, every value within its range."""
    assert bounded(answer.problems) and bounded(answer.unknown_regions) and bounded(answer.unknown_fields)
    keys = [(quarter_hour.region, quarter_hour.start) for quarter_hour in answer.quarter_hours]
    assert len(set(keys)) == len(keys)
    for quarter_hour in answer.quarter_hours:
        assert quarter_hour.region in regional.SLUGS
        assert_finite_within(quarter_hour.consumption, *REGIONAL_RANGES['consumption'])
        for fuel, value in quarter_hour.production.items():
            assert_finite_within(value, *REGIONAL_RANGES[fuel])
        if quarter_hour.exchange_balance is not None:
            assert_finite_within(quarter_hour.exchange_balance, *REGIONAL_RANGES['exchange'])
        if quarter_hour.pumping is not None:
            low, high = REGIONAL_RANGES['pumping']
            assert_finite_within(quarter_hour.pumping, -high, -low)


XML_PIECES = st.sampled_from(
    [
        b'<',
        b'&',
        b'<!DOCTYPE x>',
        b'ND',
        b'\xff',
        b"<valeur periode='1000000000000'>12</valeur>",
        b"<valeur periode='99'>4000</valeur>",
        b"<valeur periode='24'>1</valeur>",
        b"<valeur periode='-1'>1</valeur>",
        b"<valeur periode='2'>1e400</valeur>",
        b"<valeur periode='3'>-inf</valeur>",
        b"<donneesMarche date='9999-12-31'>",
        b"<donneesMarche date='0001-01-01'>",
        b"<donneesMarche date='2023-10-29'>",
        b"<mixtr date='2024-03-31'>",
        b"<type v='donneesMarche' perimetre='XX' granularite='Global' qual='1'>",
        b'</type>',
    ]
)


PRICE_TEXTS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-600, 4100).map(lambda value: f'{value:.2f}'),
    st.sampled_from(['ND', '', '-', '12,5', '1' * 400, ' 7 ', '0x10']),
    st.text(st.characters(blacklist_categories=('Cs', 'Cc')), max_size=8),  # what XML can carry
)
PERIOD_TEXTS = st.one_of(st.integers(-3, 130).map(str), st.sampled_from(['1000000000000', '9' * 400, '', 'x', '02']))
MARKET_DAYS = st.sampled_from(
    ['2024-03-31', '2023-10-29', '2024-03-30', '2024-04-01', '2024-04-02', '9999-12-31', '0001-01-01']
)


@st.composite
def market_answers(draw):
    parts = ["<?xml version='1.0' encoding='UTF-8'?><liste><date_actuelle>2024-03-31 09:00:00</date_actuelle>"]
    for day in draw(st.lists(MARKET_DAYS, min_size=1, max_size=3)):
        parts.append(f"<donneesMarche date='{day}'>")
        for area in draw(st.lists(st.sampled_from(['FR', 'DL', 'DE', 'gb', 'PL', '']), min_size=1, max_size=3)):
            parts.append(f"<type v='donneesMarche' perimetre='{area}' granularite='Global' qual='1'>")
            if draw(st.booleans()):  # a whole day, numbered one way or the other, a few values changed
                count = draw(st.sampled_from([23, 24, 25, 92, 96, 100]))
                values = [(str(period), f'{period}.5') for period in range(count)]
                for _ in range(draw(st.integers(0, 3))):
                    values[draw(st.integers(0, count - 1))] = (draw(PERIOD_TEXTS), draw(PRICE_TEXTS))
            else:
                values = draw(st.lists(st.tuples(PERIOD_TEXTS, PRICE_TEXTS), max_size=12))
            parts.extend(f"<valeur periode='{period}'>{escape(text)}</valeur>" for period, text in values)
            parts.append('</type>')
        parts.append('</donneesMarche>')
    parts.append('</liste>')
    return ''.join(parts).encode()


def escape(text):
    return text.replace('&', '&amp;').replace('<', '&lt;')


# Flat on purpose: a recursive strategy costs most of the test's time, and nesting only has to be tried once.
JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(['ND', '12', '-4', '1e400', 'nan', ' 5 ', '١٢', 10**400, -(10**400), 2**63, [], [1], {'a': {}}]),
)
DATES = st.sampled_from(
    [
        '2024-03-31T01:45:00+01:00',
        '2024-03-31T03:00:00+02:00',
        '2023-10-29T02:00:00+02:00',
        '2023-10-29T02:00:00+01:00',
        '2024-03-31T12:00:00+02:00',
        '2099-03-31T10:00:00+00:00',
        '9999-12-31T23:45:00-01:00',
        '9999-12-31T23:45:00+00:00',
        '0001-01-01T00:00:00+01:00',
        '2024-03-31T09:07:00+00:00',
        '2024-03-31T09:00:00',
        'x',
        None,
        20240331,
    ]
)
REGIONAL_FIELDS = st.sampled_from(['consommation', 'nucleaire', 'thermique', 'solaire', 'pompage', 'ech_physiques'])
CODES = st.sampled_from(['84', '11', 84, '94', None, True, '9' * 400, ' 53 '])


# Mostly numbers a feed could send (plausible or not), sometimes anything JSON can hold.
FIGURES = st.one_of(
    st.integers(-20_000, 120_000),
    st.integers(0, 5_000),
    st.floats(-1e6, 1e6),
    st.sampled_from([10**400, -(10**400), 2**1100, math.nan, math.inf, 'NaN', '-Infinity', '1e400']),
    st.integers().map(str),
    JSON_VALUES,
)


@st.composite
def odre_answers(draw, fields):
    records = []
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.integers(0, 9)) == 0:
            records.append(draw(JSON_VALUES))
            continue
        record = {'code_insee_region': draw(CODES), 'date_heure': draw(DATES), 'consommation': draw(FIGURES)}
        record |= draw(st.dictionaries(fields | st.text(max_size=8), FIGURES, max_size=5))
        records.append(record)
    answer = draw(st.sampled_from([{'total_count': len(records), 'results': records}, {'results': records}, records]))
    return json.dumps(answer).encode()


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
        if feed == feeds.MARKET:
            assert_sound_prices(answer)
        elif feed == feeds.ODRE_REGIONAL:
            assert_sound_regions(answer)
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
