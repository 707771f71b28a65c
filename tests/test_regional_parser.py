"""ODRE's regional real-time records (`eco2mix-regional-tr`): one typed record per region and quarter-hour."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from datadog_exercise.eco2mix import regional
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.slots import PARIS

from support import FIXTURES

SLUGS = [
    'ile_de_france',
    'centre_val_de_loire',
    'bourgogne_franche_comte',
    'normandie',
    'hauts_de_france',
    'grand_est',
    'pays_de_la_loire',
    'bretagne',
    'nouvelle_aquitaine',
    'occitanie',
    'auvergne_rhone_alpes',
    'provence_alpes_cote_d_azur',
]


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def parse_fixture(name):
    return regional.parse((FIXTURES / name).read_bytes())


def body(*records):
    return json.dumps({'total_count': len(records), 'results': list(records)}).encode()


def record(**fields):
    return {'code_insee_region': '84', 'date_heure': '2023-09-22T02:00:00+02:00', 'consommation': 5079} | fields


def test_each_region_gets_its_quarter_hours_and_the_latest_one():
    answer = parse_fixture('odre_regional_2023-09-22.json')

    latest = answer.latest()

    assert list(latest) == sorted(SLUGS)
    assert {quarter_hour.start for quarter_hour in latest.values()} == {utc(2023, 9, 22, 0, 0)}  # 02:00 Paris
    assert latest['auvergne_rhone_alpes'] == regional.RegionalQuarterHour(
        region='auvergne_rhone_alpes',
        start=utc(2023, 9, 22, 0, 0),
        production={'thermal': 49, 'nuclear': 8300, 'wind': 206, 'solar': 0, 'hydro': 1851, 'bioenergy': 72},
        consumption=5079,
        exchange_balance=-5234,  # exports
        pumping=165,  # published as -165
    )
    assert latest['ile_de_france'].production['nuclear'] == 0
    assert len(answer.quarter_hours) == 4 * 12  # 02:15 and later are listed with nulls: not published yet
    assert not answer.problems and not answer.unknown_fields and not answer.unknown_regions


def test_the_twelve_region_slugs_are_stable_ascii():
    assert list(regional.SLUGS) == SLUGS
    assert all(re.fullmatch('[a-z_]+', slug) for slug in SLUGS)


def test_a_region_missing_from_the_answer_is_simply_absent():
    answer = parse_fixture('odre_regional_2023-09-22_region_missing.json')

    assert sorted(answer.latest()) == sorted(set(SLUGS) - {'bretagne'})
    assert not answer.problems


def test_strings_nd_nulls_omitted_and_extra_fields_are_read_as_the_feed_means_them():
    answer = parse_fixture('odre_regional_2023-09-22_quirks.json')

    latest = answer.latest()

    assert 'nuclear' not in latest['ile_de_france'].production  # null
    assert 'nuclear' not in latest['bretagne'].production  # omitted
    assert latest['bretagne'].pumping is None  # ND
    assert latest['grand_est'].production['thermal'] == 87.0  # "87"
    assert 'solar' not in latest['provence_alpes_cote_d_azur'].production  # ND
    assert latest['provence_alpes_cote_d_azur'].exchange_balance == 2161.0  # "2161"
    assert latest['auvergne_rhone_alpes'].production['hydro'] == 1851.0  # 1851.0
    assert latest['auvergne_rhone_alpes'].production['wind'] == 206.0  # "206"
    # column_68, tco_*, tch_*: known to be ignored. Corsica (94) is not in the dataset: named, never a tag.
    assert not answer.unknown_fields
    assert (answer.unknown_regions.count, answer.unknown_regions.first) == (1, ["'94' ('Corse')"])
    assert len(latest) == 12 and not answer.problems


def test_an_unknown_field_is_named():
    answer = regional.parse(body(record(batterie_nouvelle=3, column_7=None, tco_solaire='1.2')))

    assert answer.unknown_fields.first == ["'batterie_nouvelle'"]


def test_spring_quarter_hours_follow_their_own_utc_offset():
    answer = parse_fixture('odre_regional_dst_spring_2024-03-31.json')

    ile_de_france = [qh for qh in answer.quarter_hours if qh.region == 'ile_de_france']
    assert [qh.start for qh in ile_de_france] == [utc(2024, 3, 31, 0, 30) + timedelta(minutes=15 * n) for n in range(4)]
    paris = [f'{qh.start.astimezone(PARIS):%H:%M}' for qh in ile_de_france]
    assert paris == ['01:30', '01:45', '03:00', '03:15']
    assert sorted(answer.latest()) == ['auvergne_rhone_alpes', 'bretagne', 'ile_de_france']
    assert not answer.problems


def test_both_autumn_0200_quarter_hours_are_kept_each_at_its_instant():
    answer = parse_fixture('odre_regional_dst_autumn_2023-10-29.json')

    bretagne = [qh for qh in answer.quarter_hours if qh.region == 'bretagne']
    assert [qh.start for qh in bretagne] == [utc(2023, 10, 29, 0, 30) + timedelta(minutes=15 * n) for n in range(4)]
    paris = [f'{qh.start.astimezone(PARIS):%H:%M}' for qh in bretagne]
    assert paris == ['02:30', '02:45', '02:00', '02:15']  # summer time, then 02:00 and 02:15 again in winter time
    assert answer.latest()['bretagne'].start == utc(2023, 10, 29, 1, 15)  # the later 02:15, winter time
    assert len({qh.consumption for qh in bretagne}) == 4  # four quarter-hours, four readings
    assert not answer.problems


def test_implausible_values_refuse_the_regions_quarter_hour():
    earlier = record(date_heure='2023-09-22T01:45:00+02:00', nucleaire=8250)
    answer = regional.parse(
        body(
            earlier,
            record(nucleaire=70_001),
            record(code_insee_region='11', solaire=-50000),
            record(code_insee_region='53', consommation=-5),
            record(code_insee_region='93', pompage=12000),
        ),
    )

    assert answer.latest()['auvergne_rhone_alpes'].production == {'nuclear': 8250}  # the earlier quarter-hour
    assert list(answer.latest()) == ['auvergne_rhone_alpes']
    assert answer.problems.first == [
        'auvergne_rhone_alpes 2023-09-22T02:00+02:00: nucleaire 70001 is outside its plausible range '
        '(-1000 to 70000): quarter-hour refused',
        'ile_de_france 2023-09-22T02:00+02:00: solaire -50000 is outside its plausible range (-1000 to 100000): '
        'quarter-hour refused',
        'bretagne 2023-09-22T02:00+02:00: consommation -5 is outside its plausible range (0 to 150000): '
        'quarter-hour refused',
        'provence_alpes_cote_d_azur 2023-09-22T02:00+02:00: pompage 12000 is outside its plausible range '
        '(-10000 to 1000): quarter-hour refused',
    ]


def test_values_that_are_not_finite_numbers_refuse_the_regions_quarter_hour():
    raw = (
        b'{"results": [{"code_insee_region": "84", "date_heure": "2023-09-22T02:00:00+02:00", "consommation": 5079, '
        b'"nucleaire": ' + b'9' * 400 + b', "thermique": 1e400, "hydraulique": 1e16, "solaire": "1e400", '
        b'"eolien": true, "bioenergies": {"a": 1}, "pompage": "-4"}]}'
    )

    answer = regional.parse(raw)

    assert answer.quarter_hours == ()
    where = 'auvergne_rhone_alpes 2023-09-22T02:00+02:00'
    assert answer.problems.first == [
        f'{where}: nucleaire an integer of 1329 bits is not a number: quarter-hour refused',
        f'{where}: thermique inf is not a number: quarter-hour refused',
        f'{where}: hydraulique 1e+16 is not a number: quarter-hour refused',
        f'{where}: eolien True is not a number: quarter-hour refused',
        f"{where}: solaire '1e400' is not a number: quarter-hour refused",
        f'{where}: bioenergies a dict is not a number: quarter-hour refused',
    ]


def test_dates_out_of_range_or_not_quarter_hours_are_skipped_and_named():
    dates = ['9999-12-31T23:45:00-01:00', '9999-12-31T23:45:00+00:00', '0001-01-01T00:00:00+01:00', 'hier', 20230922]
    dates += ['2023-09-22T02:00:00', '2023-09-22T02:07:00+02:00']

    answer = regional.parse(body(*(record(date_heure=text) for text in dates)))

    assert answer.quarter_hours == ()
    assert answer.problems.first == [
        "record #0: date_heure '9999-12-31T23:45:00-01:00' is not between 2012-01-01 and 9998-12-31",
        "record #1: date_heure '9999-12-31T23:45:00+00:00' is not between 2012-01-01 and 9998-12-31",
        "record #2: date_heure '0001-01-01T00:00:00+01:00' is not between 2012-01-01 and 9998-12-31",
        "record #3: date_heure 'hier' is not an ISO 8601 date and time",
        'record #4: date_heure 20230922 is not an ISO 8601 date and time',
        "record #5: date_heure '2023-09-22T02:00:00' has no UTC offset",
        "record #6: date_heure '2023-09-22T02:07:00+02:00' is not on a quarter-hour",
    ]


def test_a_repeated_quarter_hour_keeps_the_first_and_says_so():
    answer = regional.parse(body(record(consommation=1), record(consommation=2), 'x'))

    assert [qh.consumption for qh in answer.quarter_hours] == [1.0]
    assert answer.problems.first == [
        'auvergne_rhone_alpes 2023-09-22T02:00+02:00: the quarter-hour appears twice; the first one is used',
        'record #2 is not an object',
    ]


def test_unknown_regions_and_fields_are_counted_but_named_at_most_twenty():
    records = [record(code_insee_region=str(100 + n), **{f'field_{n}': 1}) for n in range(100)]

    answer = regional.parse(body(*records))

    assert (answer.unknown_regions.count, len(answer.unknown_regions.first)) == (100, 20)
    assert (answer.unknown_fields.count, len(answer.unknown_fields.first)) == (100, 20)
    assert answer.quarter_hours == () and not answer.problems


@pytest.mark.parametrize(
    'raw, message',
    [
        (
            (FIXTURES / 'rte_maintenance.html').read_bytes(),
            'received an HTML page, not ODRE JSON (eco2mix-regional-tr)',
        ),
        (
            b'{"error_code": "ODSQLError", "message": "Unknown field: consomation"}',
            'ODRE answered error ODSQLError: Unknown field: consomation',
        ),
        (b'{"records": []}', 'ODRE answer has no `results` list (keys: records)'),
        (body(*[record()] * 101), 'ODRE answer has 101 records, more than the API ever sends (100)'),
        (b'[1, 2]', 'expected an ODRE JSON object, got a list'),
        (b'{"results": [', 'malformed JSON (13 bytes): '),
        (b'{"results": [{"consommation": NaN}]}', 'malformed JSON (36 bytes): NaN is not a JSON number'),
        (b'[' * 100_000 + b']' * 100_000, 'malformed JSON (200000 bytes): maximum recursion depth exceeded'),
        (b'{"results": [' + b'1' * 5000 + b']}', 'malformed JSON (5015 bytes): Exceeds the limit (4300 digits)'),
        (b'{"results": ["\xff"]}', "malformed JSON (18 bytes): 'utf-8' codec can't decode byte 0xff"),
        (b'', 'empty response body (0 bytes)'),
    ],
)
def test_a_wrong_answer_is_a_feed_error_naming_what_arrived(raw, message):
    with pytest.raises(FeedError) as error:
        regional.parse(raw)

    assert str(error.value).startswith(message)
