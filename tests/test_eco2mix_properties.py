"""Property-based: whatever the body, the parsers raise nothing but FeedError, and what they return is usable."""

import json
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadog_exercise.eco2mix import odre, xmlfeed
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.snapshot import latest_snapshot, quarter_hours

from fixtures.build import MIX_ROWS, load_figures, published, render_xml
from support import mutated

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DAY = date(2023, 9, 22)
BASE = render_xml([DAY], datetime(2023, 9, 22, 0, 21, 9), MIX_ROWS, published(load_figures(), (DAY, 3))).encode()


def use_everything(parse, body):
    """Parse, then walk everything a caller can reach; only FeedError may come out."""
    try:
        document = parse(body)
    except FeedError:
        return
    latest_snapshot(document)
    quarter_hours(document)
    for day in document.days:
        assert day.numbering is not None
        for series in day.series.values():
            series.latest_slot()
            series.highest_slot()
    assert len(document.problems.first) <= 20 and len(document.unknown_labels.first) <= 20


@SETTINGS
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(body):
    use_everything(xmlfeed.parse, body)
    use_everything(odre.parse, body)


XML_PIECES = st.sampled_from(
    [
        b'<',
        b'>',
        b'&',
        b'&amp;',
        b'<!DOCTYPE x>',
        b"periode='",
        b'</type>',
        b'<mixtr>',
        b'ND',
        b'-',
        b'\x00',
        b'\xff',
        b"<valeur periode='9999999999999999999999'>1</valeur>",
        b"<valeur periode='-3'>1</valeur>",
        b'1e400',
        b'nan',
        b"<mixtr date='2024-03-31'>",
        b"<mixtr date='2023-10-29'>",
        b"<valeur periode='99'>5</valeur>",
    ]
)


@SETTINGS
@given(mutated(BASE, XML_PIECES, repeated=(b'<valeur', b'</valeur>')))
def test_mutated_eco2mix_documents(body):
    use_everything(xmlfeed.parse, body)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
ODRE_FIELD_NAMES = st.sampled_from(
    ['date_heure', 'nucleaire', 'gaz', 'pompage', 'taux_co2', 'consommation', 'ech_comm_suisse', 'prevision_j', 'autre']
)
DATES = st.sampled_from(['2023-09-22T02:00:00+02:00', '2023-10-29T02:00:00+01:00', '2024-03-31T03:00:00+02:00', 'x'])


@st.composite
def odre_answers(draw):
    records = draw(
        st.lists(
            st.dictionaries(ODRE_FIELD_NAMES, JSON_VALUES | DATES | st.sampled_from(['ND', '12', '-4'])) | JSON_VALUES,
            max_size=6,
        )
    )
    answer = draw(st.sampled_from([{'results': records}, {'total_count': 1, 'results': records}, records]))
    return json.dumps(answer).encode()


@SETTINGS
@given(odre_answers())
def test_arbitrary_odre_answers(body):
    use_everything(odre.parse, body)
