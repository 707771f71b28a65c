"""The parsers against hostile answers, family by family (issue 10, items 1, 3, 6 and 7).

- No work, loop or allocation is proportional to a number the feed chose: a day has at most 100 slots.
- Every byte string gives a document or FeedError, nothing else: no OverflowError, no digit-limit ValueError.
- Feed text reaches tags only through the label tables; what is unknown is counted and named a bounded number
  of times.
- A reading outside its series' plausible range is not a reading: its quarter-hour is incomplete.
"""

import contextlib
import json
from datetime import UTC, datetime

import pytest

from datadog_exercise.eco2mix import odre, xmlfeed
from datadog_exercise.eco2mix.labels import CO2_INTENSITY, KNOWN_SERIES, SeriesKey
from datadog_exercise.eco2mix.model import Day, Document, FeedError, MappedSeries
from datadog_exercise.eco2mix.snapshot import latest_snapshot, latest_value, quarter_hours

from support import FIXTURES, no_hang

MIX = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()
LATEST = datetime(2023, 9, 22, 0, 0, tzinfo=UTC)  # 02:00 Paris, slot 8: the fixture's latest quarter-hour
BEFORE = datetime(2023, 9, 21, 23, 45, tzinfo=UTC)  # 01:45 Paris, slot 7
CORE_LABELS = ('Nucléaire', 'Charbon', 'Gaz', 'Fioul', 'Hydraulique', 'Eolien', 'Solaire', 'Autres')
CORE_LABELS += ('Pompage', 'Solde', 'Consommation')


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def co2_answer(*valeurs, day='2023-09-22'):
    rows = ''.join(f"<valeur periode='{periode}'>{value}</valeur>" for periode, value in valeurs)
    return (
        "<?xml version='1.0' encoding='UTF-8'?><liste><date_actuelle>2023-09-22 00:21:09</date_actuelle>"
        f"<mixtr date='{day}'><type v='Taux de Co2' perimetre='France' granularite='Global' qual='1'>{rows}"
        '</type></mixtr></liste>'
    ).encode()


def row_of(body, label, granularity='Global', day='2023-09-22'):
    """Where the `<type>` row of `label` on `day` starts in the fixture."""
    return body.index(f"<type v='{label}' perimetre='France' granularite='{granularity}'".encode(), _day(body, day))


def _day(body, day):
    return body.index(f"<mixtr date='{day}'>".encode())


def with_value(body, label, slot, text, granularity='Global'):
    """The fixture with the value of `label` at `slot` of its last day replaced by `text`."""
    marker = f"<valeur periode='{slot}'>".encode()
    cell = body.index(marker, row_of(body, label, granularity)) + len(marker)
    return body[:cell] + text.encode() + body[body.index(b'</valeur>', cell) :]


def with_extra_valeur(body, label, valeur):
    """The fixture with `valeur` appended to the last day's row of `label`."""
    end = body.index(b'</type>', row_of(body, label))
    return body[:end] + valeur.encode() + body[end:]


def everything_a_caller_reaches(document):
    latest_snapshot(document)
    latest_value(document, CO2_INTENSITY)
    quarter_hours(document)


# ---- 1. work proportional to a number from the feed -----------------------------------------------------------

HUGE_PERIODES = ['1000000000000', '9' * 30, '100', '1000', '99999999']


@pytest.mark.parametrize('periode', HUGE_PERIODES)
def test_a_huge_periode_in_the_co2_feed_costs_nothing_and_is_reported(periode):
    document = xmlfeed.parse(co2_answer(('0', '12'), (periode, '13')))

    with no_hang(5):
        reading = latest_value(document, CO2_INTENSITY)

    assert reading == (utc(2023, 9, 21, 22, 0), 12.0)  # slot 0 of the 22nd, 00:00 Paris
    assert document.problems.first == [
        f"2023-09-22 'Taux de Co2': periode {periode[:40]!r} is not a slot number (0 to 99)"
    ]


@pytest.mark.parametrize('periode', HUGE_PERIODES)
def test_a_huge_periode_in_every_core_row_leaves_the_latest_quarter_hour_as_it_is(periode):
    body = MIX
    for label in CORE_LABELS:
        body = with_extra_valeur(body, label, f"<valeur periode='{periode}'>1</valeur>")

    with no_hang(5):
        snapshot = latest_snapshot(xmlfeed.parse(body))

    assert snapshot.start == LATEST and snapshot.production['nuclear'] == 37536.0


def test_a_series_claiming_a_huge_slot_is_searched_below_100_slots_only():
    values = {10**12: 1.0, 8: 2.0}
    day = Day(LATEST.date(), {key: MappedSeries(values) for key in (*KNOWN_SERIES,)})

    with no_hang(5):
        snapshot = latest_snapshot(Document('odre', (day,)))
        reading = latest_value(Document('odre', (day,)), CO2_INTENSITY)

    assert snapshot.start == reading[0] == utc(2023, 9, 22, 0, 0)


def test_more_days_than_any_request_asks_for_are_refused():
    days = ''.join(f"<mixtr date='2023-{month:02}-{day:02}'></mixtr>" for month in (1, 2, 3) for day in range(1, 22))

    with pytest.raises(FeedError, match=r'^more than 62 <mixtr> day elements'):
        xmlfeed.parse(f'<liste>{days}</liste>'.encode())


def test_more_records_than_the_odre_api_sends_are_refused():
    body = json.dumps({'results': [{'date_heure': '2023-09-22T02:00:00+02:00'}] * 101}).encode()

    with pytest.raises(FeedError, match=r'^ODRE answer has 101 records, more than the API ever sends \(100\)$'):
        odre.parse(body)


# ---- 3. FeedError and nothing else ----------------------------------------------------------------------------

XML_MEMBERS = {
    'year 9999': MIX.replace(b"date='2023-09-22'", b"date='9999-12-31'"),
    'year 1': MIX.replace(b"date='2023-09-21'", b"date='0001-01-01'"),
    'co2 in year 9999': co2_answer(('0', '12'), day='9999-12-31'),
    'date_actuelle in year 9999': MIX.replace(b'2023-09-22 00:21:09', b'9999-12-31 23:59:59'),
    'date_actuelle in year 1': MIX.replace(b'2023-09-22 00:21:09', b'0001-01-01 00:00:00'),
}


@pytest.mark.parametrize('body', XML_MEMBERS.values(), ids=XML_MEMBERS.keys())
def test_an_xml_answer_out_of_any_date_range_is_a_feed_error_or_a_document_never_an_exception(body):
    with contextlib.suppress(FeedError):
        everything_a_caller_reaches(xmlfeed.parse(body))


def odre_answer(**fields):
    return json.dumps({'results': [{'date_heure': '2023-09-22T02:00:00+02:00', **fields}]}).encode()


ODRE_MEMBERS = {
    '400-digit integer': odre_answer(nucleaire=10**400),
    '400-digit negative integer': odre_answer(pompage=-(10**400)),
    '5000-digit integer': odre_answer(nucleaire=0).replace(b'"nucleaire": 0', b'"nucleaire": ' + b'9' * 5000),
    'year 1': odre_answer(date_heure='0001-01-01T00:00:00+01:00'),
    'year 9999': odre_answer(date_heure='9999-12-31T23:59:59-01:00'),
    'Infinity': b'{"results": [{"date_heure": "2023-09-22T02:00:00+02:00", "nucleaire": Infinity}]}',
    'NaN': b'{"results": [{"date_heure": "2023-09-22T02:00:00+02:00", "nucleaire": NaN}]}',
}


@pytest.mark.parametrize('body', ODRE_MEMBERS.values(), ids=ODRE_MEMBERS.keys())
def test_an_odre_answer_with_numbers_or_dates_out_of_range_is_a_feed_error_or_a_document_never_an_exception(body):
    with contextlib.suppress(FeedError):
        everything_a_caller_reaches(odre.parse(body))


@pytest.mark.parametrize('periode', ['١٢', '\uff18', ' 8', '8 ', '+8', '0x8', '8_0'])
def test_a_periode_is_ascii_digits_only(periode):
    document = xmlfeed.parse(co2_answer((periode, '12')))

    assert latest_value(document, CO2_INTENSITY) is None
    assert document.problems.count == 1


@pytest.mark.parametrize('text', ['١٢', '1_000', '1e3', 'inf', 'nan', 'Infinity', '0x10', '4' * 400])
def test_a_value_is_a_plain_decimal_number_only(text):
    document = xmlfeed.parse(co2_answer(('0', text)))

    assert latest_value(document, CO2_INTENSITY) is None
    assert document.problems.first == [
        f"2023-09-22 'Taux de Co2' slot 0: value {text[:40]!r}{'...' * (len(text) > 40)} is not a number"
    ]


# ---- 6. bounded output from the feed --------------------------------------------------------------------------


def test_fifty_thousand_unknown_labels_are_counted_and_twenty_named():
    rows = ''.join(f"<type v='Label{n}'><valeur periode='8'>1</valeur></type>" for n in range(50_000))
    body = MIX.replace(b"<mixtr date='2023-09-22'>", f"<mixtr date='2023-09-22'>{rows}".encode())

    document = xmlfeed.parse(body)
    latest_snapshot(document)

    assert document.unknown_labels.count == 50_000
    assert document.unknown_labels.first == [f"'Label{n}'" for n in range(20)]


def test_only_known_technology_codes_become_series():
    rows = ''.join(f"<type v='Gaz' granularite='C{n}'><valeur periode='8'>1</valeur></type>" for n in range(50_000))
    body = MIX.replace(b"<mixtr date='2023-09-22'>", f"<mixtr date='2023-09-22'>{rows}".encode())

    document = xmlfeed.parse(body)
    snapshot = latest_snapshot(document)

    assert set(document.days[-1].series) <= KNOWN_SERIES
    assert {key.qualifier for key in snapshot.breakdown if key.series == 'gas'} == {'tac', 'cog', 'ccg', 'aut'}
    assert document.unknown_labels.count == 50_000
    assert document.unknown_labels.first[:2] == ["'Gaz' ('C0')", "'Gaz' ('C1')"]


def test_a_long_label_is_named_truncated():
    body = MIX.replace(b"<mixtr date='2023-09-22'>", b"<mixtr date='2023-09-22'><type v='" + b'x' * 100_000 + b"'/>")

    document = xmlfeed.parse(body)
    latest_snapshot(document)

    assert document.unknown_labels.first == ["'" + 'x' * 40 + "'..."]


# ---- 7. impossible values -------------------------------------------------------------------------------------

IMPLAUSIBLE = {
    'nuclear 1e307': ('Nucléaire', '1e307', "value '1e307' is not a number"),
    'nuclear 1e15 written out': ('Nucléaire', '9' * 15, 'outside the plausible range of nuclear (-1000 to 70000)'),
    'solar -50000': ('Solaire', '-50000', 'outside the plausible range of solar (-1000 to 100000)'),
    'wind 80 GW': ('Eolien', '80000', 'outside the plausible range of wind (-1000 to 60000)'),
    'consumption 5 MW': ('Consommation', '5', 'outside the plausible range of consumption (10000 to 150000)'),
    'pumping +50 GW': ('Pompage', '50000', 'outside the plausible range of pumping (-10000 to 1000)'),
    'exchange 1e6': ('Solde', '1000000', 'outside the plausible range of exchange (-40000 to 40000)'),
}


@pytest.mark.parametrize('label, text, problem', IMPLAUSIBLE.values(), ids=IMPLAUSIBLE.keys())
def test_an_implausible_core_value_makes_its_quarter_hour_incomplete(label, text, problem):
    document = xmlfeed.parse(with_value(MIX, label, 8, text))

    snapshot = latest_snapshot(document)

    assert snapshot.start == BEFORE  # 02:00 is incomplete: the 01:45 quarter-hour is reported
    [reported] = document.problems.first
    assert reported.startswith(f'2023-09-22 {label!r} slot 8: ') and reported.endswith(problem), reported


def test_all_fuels_at_1e14_leave_the_previous_quarter_hour():
    body = MIX
    for label in CORE_LABELS[:8]:
        body = with_value(body, label, 8, '1' + '0' * 14)

    document = xmlfeed.parse(body)
    snapshot = latest_snapshot(document)

    assert snapshot.start == BEFORE
    assert document.problems.count == 8


@pytest.mark.parametrize(
    'label, granularity, text, key',
    [
        ('Hydraulique', 'FEE', '1e9', SeriesKey('hydro', 'run_of_river')),
        ('Gaz', 'CCG', '-99999', SeriesKey('gas', 'ccg')),
    ],
)
def test_an_implausible_breakdown_value_is_absent_from_its_quarter_hour(label, granularity, text, key):
    snapshot = latest_snapshot(xmlfeed.parse(with_value(MIX, label, 8, text, granularity)))

    assert snapshot.start == LATEST
    assert key not in snapshot.values


def test_an_implausible_co2_intensity_is_not_a_reading():
    document = xmlfeed.parse(co2_answer(('0', '12'), ('1', '5000')))

    assert latest_value(document, CO2_INTENSITY) == (utc(2023, 9, 21, 22, 0), 12.0)


def test_shares_outside_0_to_100_percent_are_absent():
    # Fuels may dip to -1 GW: with coal, gas and oil at -1000 MW, low-carbon production exceeds the total.
    body = MIX
    for label in ('Charbon', 'Gaz', 'Fioul'):
        body = with_value(body, label, 8, '-1000')

    snapshot = latest_snapshot(xmlfeed.parse(body))

    assert snapshot.start == LATEST
    assert snapshot.low_carbon_share is None
    assert 0 <= snapshot.renewable_share <= 100
