"""Property: whatever the bytes, the whole pipeline (bytes -> parse -> snapshot -> metrics -> cache) raises no
exception but the project's own FeedError, never hangs, and gives only finite metrics with known tags, from a
quarter-hour this check would keep and load back from its cache unchanged."""

import itertools
import json
import math
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape, quoteattr

from datadog_checks.base import AgentCheck
from datadog_checks.dev.utils import get_metadata_metrics
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadog_exercise.eco2mix import odre, xmlfeed
from datadog_exercise.eco2mix.labels import FUELS, KNOWN_SERIES, ODRE_FIELDS, XML_SERIES
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.snapshot import with_co2
from datadog_exercise.elec_france.answer import co2_reading, reported_snapshot
from datadog_exercise.elec_france.check import ElecFranceCheck
from datadog_exercise.elec_france.metrics import snapshot_metrics
from datadog_exercise.elec_france.state import FetchState

from feedserver import Answer, FeedServer
from fixtures.build import MIX_ROWS, load_figures, published, render_xml
from support import NATIONAL_ONLY, no_hang

NOW = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC).timestamp()  # when the fixtures' answers were generated
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HANG_SECONDS = 5  # one example's bound: a loop that depends on the feed would run for days
DAY = date(2023, 9, 22)
BASE = render_xml([DAY], datetime(2023, 9, 22, 0, 21, 9), MIX_ROWS, published(load_figures(), (DAY, 1))).encode()
KNOWN_TAGS = (
    {f'fuel:{fuel}' for fuel in FUELS}
    | {f'technology:{key.qualifier}' for key in KNOWN_SERIES if key.qualifier}
    | {f'fuel:{key.series}' for key in KNOWN_SERIES}
)


def through_the_pipeline(parse, body):
    """What the check does with an answer; only FeedError may come out, and what comes out is sound."""
    with no_hang(HANG_SECONDS):
        try:
            document = parse(body)
        except FeedError:
            return
        try:
            snapshot = reported_snapshot(document, NOW)
        except FeedError:
            snapshot = None
        try:
            co2 = co2_reading(document, NOW)
        except FeedError:
            co2 = None
        assert len(document.problems.first) <= 20 and len(document.unknown_labels.first) <= 20
        if snapshot is None:
            return
        snapshot = with_co2(snapshot, co2)
        assert snapshot.end.timestamp() <= NOW + 120
        metrics = snapshot_metrics(snapshot)
        assert len(metrics) <= len(KNOWN_SERIES) + 3
        for name, value, tags in metrics:
            assert math.isfinite(value), (name, value)
            assert set(tags) <= KNOWN_TAGS, tags
        for share in (snapshot.low_carbon_share, snapshot.renewable_share):
            assert share is None or 0 <= share <= 100
        saved = FetchState(snapshot=snapshot, as_of=document.generated_at, co2=co2)
        assert FetchState.from_json(saved.to_json()) == saved  # what the check keeps, it can load back


# ---- éCO2mix XML, built from hostile parts ------------------------------------------------------------------

DATES = st.sampled_from(
    [
        *('2023-09-21', '2023-09-22', '2024-03-31', '2023-10-29', '9999-12-31', '0001-01-01', '2099-01-01'),
        *('2011-12-31', '2023-02-30', '', 'x', '20230922', '2023-09-22T00:00', '٢٠٢٣-٠٩-٢٢'),
    ]
)
LABELS = st.sampled_from([*XML_SERIES, 'Pointe', 'Batterie_Injection', '', 'NuclÃ©aire']) | st.text(max_size=8)
GRANULARITIES = st.sampled_from([None, 'Global', 'FEE', 'LAC', 'STT', 'TAC', 'cog', 'XYZ', ''])
PERIODES = (
    st.integers(-2, 110).map(str)
    | st.sampled_from(['1000000000000', '9' * 30, '١٢', ' 12', '1_0', '0x1', '', '08', '+3'])
    | st.text(max_size=4)
)
VALUES = (
    st.integers(-60_000, 160_000).map(str)
    | st.sampled_from(['ND', '-', '', '1e307', '1e308', 'nan', 'inf', 'Infinity', '١٢', '1_000', ' 42 ', '4' * 400])
    | st.floats().map(repr)
    | st.text(max_size=6)
)
GENERATED = st.sampled_from(
    ['2023-09-22 00:21:09', '9999-12-31 23:59:59', '0001-01-01 00:00:00', '2099-01-01 00:00:00', 'x', None]
)


def xml_text(text):
    """Text that XML can carry (a NUL is a different case: the parser refuses the document)."""
    return escape(''.join(character for character in text if character.isprintable()))


@st.composite
def hostile_documents(draw):
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<liste>']
    generated = draw(GENERATED)
    if generated is not None:
        parts.append(f'<date_actuelle>{generated}</date_actuelle>')
    for _ in range(draw(st.integers(0, 3))):
        parts.append(f'<mixtr date={quoteattr(draw(DATES))}>')
        for _ in range(draw(st.integers(0, 14))):
            label = draw(LABELS)
            granularity = draw(GRANULARITIES)
            attributes = (f' v={quoteattr(xml_text(label))}' if label is not None else '') + (
                f' granularite={quoteattr(granularity)}' if granularity is not None else ''
            )
            parts.append(f'<type{attributes}>')
            for _ in range(draw(st.integers(0, 6))):
                parts.append(f'<valeur periode={quoteattr(xml_text(draw(PERIODES)))}>{xml_text(draw(VALUES))}</valeur>')
            parts.append('</type>')
        parts.append('</mixtr>')
    parts.append('</liste>')
    return ''.join(parts).encode()


@st.composite
def real_answers_with_hostile_parts(draw):
    """RTE's layout and figures, with some periodes, values, dates or labels replaced by hostile ones."""
    body = BASE.decode()
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(['periode', 'value', 'date', 'label', 'generated']))
        if kind == 'periode':
            body = body.replace("periode='1'", f'periode={quoteattr(xml_text(draw(PERIODES)))}', 1)
        elif kind == 'value':
            marker = f"<valeur periode='{draw(st.integers(0, 1))}'>"
            start = body.find(marker, draw(st.integers(0, len(body))))
            if start >= 0:
                end = body.index('</valeur>', start)
                body = body[: start + len(marker)] + xml_text(draw(VALUES)) + body[end:]
        elif kind == 'date':
            body = body.replace("date='2023-09-22'", f'date={quoteattr(draw(DATES))}')
        elif kind == 'label':
            label = draw(st.sampled_from(list(XML_SERIES)))
            body = body.replace(f"v='{label}'", f'v={quoteattr(xml_text(draw(LABELS)))}', 1)
        else:
            body = body.replace('2023-09-22 00:21:09', draw(GENERATED) or '')
    return body.encode()


@SETTINGS
@given(hostile_documents() | real_answers_with_hostile_parts())
def test_any_eco2mix_answer_gives_finite_plausible_metrics_or_a_feed_error(body):
    through_the_pipeline(xmlfeed.parse, body)


@SETTINGS
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_feed_error_or_a_sound_snapshot(body):
    through_the_pipeline(xmlfeed.parse, body)
    through_the_pipeline(odre.parse, body)


# ---- ODRE JSON ------------------------------------------------------------------------------------------------

JSON_NUMBERS = (
    st.integers(-(10**6), 10**6)
    | st.sampled_from([10**400, -(10**20), 2**63, 10**15 + 1])
    | st.floats()
    | st.sampled_from(['37536', '-4', 'ND', '1e308', '١٢', '4' * 400, ' 12 '])
)
JSON_VALUES = st.none() | st.booleans() | st.text(max_size=10) | st.lists(st.integers(), max_size=2) | st.just({})
INSTANTS = st.sampled_from(
    [
        *('2023-09-22T02:00:00+02:00', '2023-09-22T01:45:00+02:00', '2023-10-29T02:00:00+01:00'),
        *('2024-03-31T03:00:00+02:00', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00'),
        *('2099-01-01T00:00:00+01:00', '2023-09-22T02:00:00', '2023-09-22T02:07:00+02:00', 'hier'),
        '2023-09-22T02:00:00+25:00',
    ]
)


@st.composite
def odre_answers(draw):
    records = []
    for _ in range(draw(st.integers(0, 6))):
        record = {'date_heure': draw(INSTANTS | JSON_VALUES)}
        for name in draw(st.sets(st.sampled_from([*ODRE_FIELDS, 'autre', 'eolien_offshore']), max_size=28)):
            record[name] = draw(JSON_NUMBERS | JSON_VALUES)
        records.append(record)
    answer = draw(st.sampled_from([{'total_count': len(records), 'results': records}, {'results': records}, records]))
    return json.dumps(answer).encode()  # NaN and Infinity included: what a broken server may send


@SETTINGS
@given(odre_answers())
def test_any_odre_answer_gives_finite_plausible_metrics_or_a_feed_error(body):
    through_the_pipeline(odre.parse, body)


# ---- the real check, over HTTP ---------------------------------------------------------------------------------

COUNTER = itertools.count()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(mix=hostile_documents() | real_answers_with_hostile_parts(), co2=hostile_documents(), answers=odre_answers())
def test_the_check_run_on_any_answers_submits_only_finite_metrics_and_says_how_it_is(
    mix, co2, answers, datadog_agent, aggregator
):
    aggregator.reset()
    with FeedServer() as server:
        server.serve('mix', Answer(mix))
        server.serve('co2', Answer(co2))
        server.serve('odre', Answer(answers))
        instance = {'eco2mix_url': server.eco2mix_url, 'odre_url': server.odre_url, 'timeout': 2, **NATIONAL_ONLY}
        check = ElecFranceCheck('elec_france', {}, [instance])
        check.check_id = f'elec_france:property{next(COUNTER)}'
        check.clock = lambda: NOW
        with no_hang(10):
            error = check.run()

    assert error == ''  # the run itself never fails on a feed
    [service_check] = aggregator.service_checks('elec_france.can_connect')
    assert service_check.status in (AgentCheck.OK, AgentCheck.CRITICAL)
    assert service_check.status == AgentCheck.OK or service_check.message
    known = set(get_metadata_metrics())
    for name in aggregator.metric_names:
        assert name in known
        for sample in aggregator.metrics(name):
            assert math.isfinite(sample.value), (name, sample.value)
