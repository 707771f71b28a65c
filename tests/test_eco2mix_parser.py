"""The éCO2mix and ODRE parsers and the choice of the reported quarter-hour (pure: bytes in, records out)."""

import json
import math
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from datadog_exercise.eco2mix import odre, xmlfeed
from datadog_exercise.eco2mix.labels import CO2_INTENSITY, COMMERCIAL_EXCHANGES, FORECASTS, WIND_SPLIT, SeriesKey
from datadog_exercise.eco2mix.model import FeedError, Snapshot
from datadog_exercise.eco2mix.slots import Numbering
from datadog_exercise.eco2mix.snapshot import latest_snapshot, latest_value, quarter_hours, with_co2

from feedserver import FeedServer
from support import FIXTURES

# RTE's figures for 2023-09-22 02:00-02:15 Paris (00:00 UTC), the last quarter-hour of the fixtures.
AT_0200 = {
    'nuclear': 37536.0,
    'coal': 7.0,
    'gas': 501.0,
    'oil': 110.0,
    'hydro': 4408.0,
    'wind': 7440.0,
    'solar': 0.0,
    'bioenergy': 651.0,
}
AT_0200_BREAKDOWN = {
    SeriesKey('hydro', 'run_of_river'): 2860.0,
    SeriesKey('hydro', 'lake'): 1105.0,
    SeriesKey('hydro', 'pumped_storage'): 443.0,
    SeriesKey('gas', 'tac'): 0.0,
    SeriesKey('gas', 'cog'): 251.0,
    SeriesKey('gas', 'ccg'): 251.0,
    SeriesKey('gas', 'aut'): 0.0,
    SeriesKey('oil', 'tac'): 0.0,
    SeriesKey('oil', 'cog'): 113.0,
    SeriesKey('oil', 'aut'): 0.0,
    SeriesKey('bioenergy', 'dec'): 53.0,
    SeriesKey('bioenergy', 'bma'): 347.0,
    SeriesKey('bioenergy', 'bga'): 250.0,
}


SPRING_WALL_CLOCK = 'eco2mix_mix_dst_spring_2024-03-31_wall_clock.xml'


def parse_fixture(name):
    return xmlfeed.parse((FIXTURES / name).read_bytes())


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_reports_the_latest_quarter_hour_with_every_core_series_published():
    document = parse_fixture('eco2mix_mix_2023-09-21_22.xml')

    snapshot = latest_snapshot(document)

    assert document.generated_at == utc(2023, 9, 22, 0, 21, 9)
    assert snapshot.start == utc(2023, 9, 22, 0, 0)  # 02:00 Paris, slot 8 of the partial day
    assert snapshot.production == AT_0200
    assert snapshot.production_total == 50653.0
    assert snapshot.breakdown == AT_0200_BREAKDOWN
    assert snapshot.pumping == 236.0  # published as -236
    assert snapshot.exchange_balance == -14141.0  # exports
    assert snapshot.consumption == 36278.0
    assert snapshot.co2_intensity is None  # the mix feed has none; it comes from type=co2
    assert snapshot.low_carbon_share == pytest.approx(100 * (37536 + 4408 + 7440 + 0 + 651) / 50653)
    assert snapshot.renewable_share == pytest.approx(100 * (4408 + 7440 + 0 + 651) / 50653)
    assert not document.unknown_labels and not document.problems


def test_co2_intensity_comes_from_the_co2_feed_for_the_same_quarter_hour():
    mix = parse_fixture('eco2mix_mix_2023-09-21_22.xml')
    co2 = latest_value(parse_fixture('eco2mix_co2_2023-09-21_22.xml'), CO2_INTENSITY)

    assert co2 == (utc(2023, 9, 22, 0, 0), 12.0)
    assert with_co2(latest_snapshot(mix), co2).co2_intensity == 12.0


def test_a_co2_reading_more_than_30_minutes_older_is_not_used():
    mix = parse_fixture('eco2mix_mix_2023-09-21_22.xml')

    assert with_co2(latest_snapshot(mix), (utc(2023, 9, 21, 23, 15), 13.0)).co2_intensity is None
    assert with_co2(latest_snapshot(mix), (utc(2023, 9, 21, 23, 30), 13.0)).co2_intensity == 13.0


def test_just_after_midnight_the_previous_full_day_gives_its_last_quarter_hour():
    document = parse_fixture('eco2mix_mix_2023-09-21_22_after_midnight.xml')

    snapshot = latest_snapshot(document)

    assert snapshot.start == utc(2023, 9, 21, 21, 45)  # 23:45 Paris, slot 95
    assert snapshot.production['nuclear'] == 37464.0
    assert snapshot.consumption == 41689.0


def test_missing_values_are_missing_not_zero_and_partial_quarter_hours_are_not_reported():
    document = parse_fixture('eco2mix_mix_2023-09-21_22_missing_values.xml')

    snapshot = latest_snapshot(document)

    # 02:00 has wind 'ND', 01:45 solar '-', 01:30 consumption empty, 01:15 no exchange value at all.
    assert snapshot.start == utc(2023, 9, 21, 23, 0)  # 01:00 Paris
    assert snapshot.production['nuclear'] == 37229.0
    assert SeriesKey('hydro', 'lake') not in snapshot.values  # 'ND' at 01:00: absent, not 0
    assert SeriesKey('hydro', 'run_of_river') in snapshot.values


def test_nd_slots_never_become_readings():
    document = parse_fixture('eco2mix_mix_2023-09-21_22.xml')

    starts = [start for start, _ in quarter_hours(document)]

    # 2023-09-21 00:00-01:45 Paris are 'ND' in every series.
    assert starts[0] == utc(2023, 9, 21, 0, 0)  # 02:00 Paris
    assert len(starts) == 97


def test_an_unknown_series_is_ignored_and_named():
    document = parse_fixture('eco2mix_mix_2023-09-21_22_unknown_series.xml')

    assert latest_snapshot(document).production == AT_0200
    assert document.unknown_labels.first == ["'Batterie_Injection'", "'Batterie_Soutirage'"]
    assert document.unknown_labels.count == 2  # the rows of the day read: the latest one


@pytest.mark.parametrize(
    'name, numbering, count, first, last',
    [
        (
            'eco2mix_mix_dst_spring_2024-03-31_wall_clock.xml',
            Numbering.WALL_CLOCK,
            92,
            utc(2024, 3, 30, 23, 0),
            utc(2024, 3, 31, 21, 45),
        ),
        (
            'eco2mix_mix_dst_spring_2024-03-31_elapsed.xml',
            Numbering.ELAPSED,
            92,
            utc(2024, 3, 30, 23, 0),
            utc(2024, 3, 31, 21, 45),
        ),
        (
            'eco2mix_mix_dst_autumn_2023-10-29_wall_clock.xml',
            Numbering.WALL_CLOCK,
            96,
            utc(2023, 10, 28, 22, 0),
            utc(2023, 10, 29, 22, 45),
        ),
        (
            'eco2mix_mix_dst_autumn_2023-10-29_elapsed.xml',
            Numbering.ELAPSED,
            100,
            utc(2023, 10, 28, 22, 0),
            utc(2023, 10, 29, 22, 45),
        ),
    ],
)
def test_dst_days_map_every_slot_to_one_real_quarter_hour(name, numbering, count, first, last):
    document = parse_fixture(name)
    [day] = document.days

    starts = [start for start, _ in quarter_hours(document)]

    assert day.numbering is numbering
    assert len(starts) == count == len(set(starts))
    assert (starts[0], starts[-1]) == (first, last)
    assert latest_snapshot(document).start == last


def test_spring_wall_clock_slots_that_do_not_exist_are_skipped():
    document = parse_fixture('eco2mix_mix_dst_spring_2024-03-31_wall_clock.xml')
    [day] = document.days

    assert [day.slot_start(slot) for slot in (7, 8, 11, 12)] == [
        utc(2024, 3, 31, 0, 45),
        None,
        None,
        utc(2024, 3, 31, 1),
    ]


def test_a_spring_day_that_leaves_out_the_hour_that_does_not_exist_is_numbered_by_wall_clock():
    # 92 slots, as many as the day has quarter-hours, but with a gap at 8-11 (02:00-02:45): the wall clock's
    # numbering, not elapsed time (which would shift every quarter-hour after 02:00 by an hour).
    body = re.sub(rb"<valeur periode='(8|9|10|11)'>[^<]*</valeur>", b'', (FIXTURES / SPRING_WALL_CLOCK).read_bytes())
    [day] = xmlfeed.parse(body).days

    assert day.numbering is Numbering.WALL_CLOCK
    assert day.slot_start(12) == utc(2024, 3, 31, 1)  # 03:00 summer time
    assert latest_snapshot(xmlfeed.parse(body)).start == utc(2024, 3, 31, 21, 45)


def test_autumn_wall_clock_repeated_hour_is_its_first_occurrence():
    document = parse_fixture('eco2mix_mix_dst_autumn_2023-10-29_wall_clock.xml')
    [day] = document.days

    assert day.slot_start(8) == utc(2023, 10, 29, 0, 0)  # 02:00 summer time
    assert day.slot_start(12) == utc(2023, 10, 29, 2, 0)  # 03:00 winter time


def test_days_and_series_are_found_by_name_not_position():
    body = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()
    first_day = body.index(b"<mixtr date='2023-09-21'>")
    second_day = body.index(b"<mixtr date='2023-09-22'>")
    end = body.index(b'</liste>')
    # Days swapped, a new header element in front, series of the last day reversed.
    last_day = body[second_day:end]
    rows = last_day[len(b"<mixtr date='2023-09-22'>") : -len(b'</mixtr>')].split(b'</type>')[:-1]
    reversed_day = b"<mixtr date='2023-09-22'>" + b''.join(row + b'</type>' for row in reversed(rows)) + b'</mixtr>'
    shuffled = body[:first_day] + b'<nouveau>1</nouveau>' + reversed_day + body[first_day:second_day] + body[end:]

    assert latest_snapshot(xmlfeed.parse(shuffled)) == latest_snapshot(parse_fixture('eco2mix_mix_2023-09-21_22.xml'))


def test_slots_come_from_periode_even_out_of_order():
    body = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()
    # Swap 01:45 and 02:00 (slots 7 and 8) of the last day's nuclear row.
    slot_7, slot_8 = b"<valeur periode='7'>37603</valeur>", b"<valeur periode='8'>37536</valeur>"
    swapped = body.replace(slot_7 + slot_8, slot_8 + slot_7)
    assert swapped != body

    snapshot = latest_snapshot(xmlfeed.parse(swapped))

    assert snapshot.start == utc(2023, 9, 22, 0, 0)
    assert snapshot.production['nuclear'] == 37536.0


def test_a_value_that_is_not_a_number_is_missing_and_reported():
    body = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()
    body = body.replace(b"<valeur periode='8'>7440</valeur>", b"<valeur periode='8'>7 440</valeur>")

    document = xmlfeed.parse(body)

    assert latest_snapshot(document).start == utc(2023, 9, 21, 23, 45)  # wind unreadable at 02:00
    assert document.problems.first == ["2023-09-22 'Eolien' slot 8: value '7 440' is not a number"]


def test_a_repeated_slot_keeps_its_last_value():
    body = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()
    body = body.replace(
        b"<valeur periode='8'>37536</valeur>", b"<valeur periode='8'>1</valeur><valeur periode='8'>2</valeur>"
    )

    document = xmlfeed.parse(body)

    assert latest_snapshot(document).production['nuclear'] == 2.0
    document.days[1].series[SeriesKey('nuclear')].value_at(7)
    assert document.problems.first == ["2023-09-22 'Nucléaire': periode 8 appears twice; the last one is used"]


@pytest.mark.parametrize(
    'body, message',
    [
        (b'', 'empty response body (0 bytes)'),
        (b' \n', 'empty response body (2 bytes)'),
        (
            (FIXTURES / 'rte_maintenance.html').read_bytes(),
            "received an HTML page, not éCO2mix XML (title: 'Service momentanément indisponible')",
        ),
        (
            (FIXTURES / 'market_prices_2024-04-13.xml').read_bytes(),
            'this is the market-prices feed (<donneesMarche> days, getDonneesMarche), not éCO2mix (<mixtr> days): '
            'check the URL',
        ),
        (
            b'<?xml version="1.0"?><erreur>Service indisponible</erreur>',
            'expected an éCO2mix <liste> document, got a <erreur> root element',
        ),
        (
            b'<liste><date_actuelle>2023-09-22 00:21:09</date_actuelle></liste>',
            'no <mixtr> day element in the document (children found: date_actuelle)',
        ),
        (b"<liste><mixtr date='22/09/2023'></mixtr></liste>", "day element <mixtr> has an invalid date '22/09/2023'"),
        (b'{"results": []}', 'malformed XML (15 bytes): Start tag expected, '),
    ],
)
def test_a_wrong_answer_is_a_feed_error_naming_what_was_received(body, message):
    with pytest.raises(FeedError) as error:
        xmlfeed.parse(body)

    assert str(error.value).startswith(message)


@pytest.mark.parametrize('cut', [10, 300, 5000, 50_000, -20])
def test_truncated_xml_is_a_feed_error(cut):
    body = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()[:cut]

    with pytest.raises(FeedError, match=r'^malformed XML \(\d+ bytes\)'):
        xmlfeed.parse(body)


def test_a_body_over_the_limit_is_refused_before_parsing():
    with pytest.raises(FeedError, match=r'^response body of 1001 bytes exceeds the 1000-byte limit$'):
        xmlfeed.parse(b'<liste>' + b' ' * 986 + b'</liste>', max_bytes=1000)


def test_xxe_is_refused_without_opening_the_file(tmp_path):
    # The entity points at a FIFO: opening it for reading would block until a writer comes.
    fifo = tmp_path / 'secret'
    os.mkfifo(fifo)
    body = (FIXTURES / 'hostile_xxe.xml').read_bytes().replace(b'file:///etc/hostname', f'file://{fifo}'.encode())
    outcome = {}

    def parse():
        try:
            xmlfeed.parse(body)
        except FeedError as error:
            outcome['error'] = str(error)

    worker = threading.Thread(target=parse, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # the parser opened the FIFO: release it, then fail
        with open(fifo, 'wb'):
            pass
        pytest.fail('the parser tried to read the external entity')
    assert outcome['error'].startswith(
        'refused a document that declares a DTD (<!DOCTYPE liste [<!ENTITY secret SYSTEM'
    )


def test_an_external_dtd_is_refused_without_network_access():
    with FeedServer() as server:
        body = (
            (FIXTURES / 'hostile_external_dtd.xml')
            .read_bytes()
            .replace(b'http://127.0.0.1:9/eco2mix.dtd', f'{server.base}/eco2mix.dtd'.encode())
        )
        with pytest.raises(FeedError, match=r'^refused a document that declares a DTD'):
            xmlfeed.parse(body)
        assert server.requests == []


def test_billion_laughs_is_refused_with_memory_flat():
    # In a fresh interpreter: its own peak memory (VmHWM; ru_maxrss would start from pytest's peak)
    # after refusing the bomb, against after parsing a real answer.
    script = (
        'import sys\n'
        'from datadog_exercise.eco2mix import xmlfeed\n'
        'from datadog_exercise.eco2mix.model import FeedError, Snapshot\n'
        'def peak_kib():\n'
        '    return int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])\n'
        'xmlfeed.parse(open(sys.argv[2], "rb").read())\n'
        'before = peak_kib()\n'
        'try:\n'
        '    xmlfeed.parse(open(sys.argv[1], "rb").read())\n'
        'except FeedError as error:\n'
        '    print(error)\n'
        'print(peak_kib() - before)\n'
    )
    result = subprocess.run(
        [
            sys.executable,
            '-c',
            script,
            FIXTURES / 'hostile_billion_laughs.xml',
            FIXTURES / 'eco2mix_mix_2023-09-21_22.xml',
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    message, growth_kib = result.stdout.splitlines()

    assert message.startswith('refused a document that declares a DTD')
    assert int(growth_kib) < 1024  # the bomb would expand to about 8 GB


# ---- ODRE -----------------------------------------------------------------------------------------------------


def test_odre_gives_the_same_figures_as_the_xml_feed():
    document = odre.parse((FIXTURES / 'odre_records_2023-09-22.json').read_bytes())

    snapshot = with_co2(latest_snapshot(document), latest_value(document, CO2_INTENSITY))

    assert snapshot.feed == 'odre'
    assert snapshot.start == utc(2023, 9, 22, 0, 0)  # the empty rows after it are ignored
    assert snapshot.production == AT_0200
    # ODRE alone splits wind between onshore and offshore.
    onshore, offshore = WIND_SPLIT
    assert snapshot.breakdown == {**AT_0200_BREAKDOWN, onshore: 6849.0, offshore: 591.0}
    assert (snapshot.pumping, snapshot.exchange_balance, snapshot.consumption) == (236.0, -14141.0, 36278.0)
    assert snapshot.co2_intensity == 12.0
    assert not document.unknown_labels and not document.problems


def test_odre_carries_the_borders_batteries_and_forecasts_of_the_quarter_hour():
    snapshot = latest_snapshot(odre.parse((FIXTURES / 'odre_records_2023-09-22.json').read_bytes()))

    # RTE's figures for 2023-09-22 02:00 Paris: France exports on every border.
    assert {key.qualifier: snapshot.values[key] for key in COMMERCIAL_EXCHANGES} == {
        'gb': -3028.0,
        'es': -2125.0,
        'it': -1277.0,
        'ch': -2226.0,
        'de_be': -5143.0,
    }
    assert (snapshot.battery_charging, snapshot.battery_discharging) == (4.0, 4.0)  # charging published as -4
    assert [snapshot.values[key] for key in FORECASTS] == [37300.0, 36900.0]


def test_odre_publishes_the_borders_every_half_hour():
    document = odre.parse((FIXTURES / 'odre_records_2023-09-22.json').read_bytes())

    with_borders = [start for start, values in quarter_hours(document) if set(COMMERCIAL_EXCHANGES) <= values.keys()]

    assert len(with_borders) == 49
    assert {start.minute for start in with_borders} == {0, 30}


def test_the_xml_forecasts_are_the_reported_quarter_hours():
    snapshot = latest_snapshot(parse_fixture('eco2mix_mix_2023-09-21_22.xml'))

    assert snapshot.start == utc(2023, 9, 22, 0, 0)
    assert [snapshot.values[key] for key in FORECASTS] == [37300.0, 36900.0]


def test_the_xml_forecasts_are_odres_quarter_hour_by_quarter_hour():
    from_xml = quarter_hours(parse_fixture('eco2mix_mix_2023-09-21_22.xml'))
    from_odre = dict(quarter_hours(odre.parse((FIXTURES / 'odre_records_2023-09-22.json').read_bytes())))

    forecasts = {start: {key: values[key] for key in FORECASTS} for start, values in from_xml if FORECASTS[0] in values}
    assert len(forecasts) == 97
    assert forecasts == {start: {key: from_odre[start][key] for key in FORECASTS} for start in forecasts}


def test_a_battery_at_rest_is_zero_not_minus_zero():
    record = {'date_heure': '2023-09-22T02:00:00+02:00', 'stockage_batterie': 0, 'destockage_batterie': '12'}
    [day] = odre.parse(odre_body(record)).days

    snapshot = Snapshot('odre', utc(2023, 9, 22, 0, 0), {key: series.value_at(8) for key, series in day.series.items()})

    assert (snapshot.battery_charging, snapshot.battery_discharging) == (0.0, 12.0)
    assert math.copysign(1, snapshot.battery_charging) == 1.0


def test_an_implausible_border_battery_or_forecast_is_not_a_reading():
    record = {
        'date_heure': '2023-09-22T02:00:00+02:00',
        'ech_comm_angleterre': 1e6,
        'stockage_batterie': 5000,  # a battery charging is published negative
        'eolien_offshore': 'NaN',
        'prevision_j1': 10**400,
        'eolien_terrestre': '6849',
    }

    document = odre.parse(odre_body(record))

    assert list(document.days[0].series) == [WIND_SPLIT[0]]
    assert sorted(document.problems.first) == [
        'slot 8: ech_comm_angleterre 1e+06 is outside the plausible range of commercial_exchange (-15000 to 15000)',
        "slot 8: eolien_offshore 'NaN' is not a number",
        'slot 8: prevision_j1 an integer of 1329 bits is not a number',
        'slot 8: stockage_batterie 5000 is outside the plausible range of battery_charging (-10000 to 1000)',
    ]


def odre_body(*records, **extra):
    return json.dumps({'total_count': len(records), 'results': list(records), **extra}).encode()


def test_odre_strings_nd_and_missing_fields_are_read_as_the_feed_means_them():
    record = {
        'date_heure': '2023-09-22T02:00:00+02:00',
        'nucleaire': '37536',
        'charbon': 'ND',
        'gaz': None,
        'eolien_offshore': '591',
        'batterie_nouvelle': 3,
    }

    document = odre.parse(odre_body(record))

    [day] = document.days
    assert day.date == date(2023, 9, 22)
    assert day.series[SeriesKey('nuclear')].value_at(8) == 37536.0
    assert SeriesKey('coal') not in day.series and SeriesKey('gas') not in day.series
    assert document.unknown_labels.first == ["'batterie_nouvelle'"]


@pytest.mark.parametrize(
    'body, message',
    [
        (
            b'{"error_code": "ODSQLError", "message": "Unknown field: consomation"}',
            'ODRE answered error ODSQLError: Unknown field: consomation',
        ),
        (b'{"records": []}', 'ODRE answer has no `results` list (keys: records)'),
        (b'[1, 2]', 'expected an ODRE JSON object, got a list'),
        (b'{"results": [', 'malformed JSON (13 bytes): '),
        ((FIXTURES / 'rte_maintenance.html').read_bytes(), 'received an HTML page, not ODRE JSON'),
    ],
)
def test_a_wrong_odre_answer_is_a_feed_error(body, message):
    with pytest.raises(FeedError) as error:
        odre.parse(body)

    assert str(error.value).startswith(message)


def test_odre_rows_with_a_bad_date_are_skipped_and_reported():
    document = odre.parse(
        odre_body({'date_heure': 'hier', 'nucleaire': 1}, {'date_heure': '2023-09-22T02:07:00+02:00'})
    )

    assert document.days == ()
    assert document.problems.first == [
        "record #0: date_heure 'hier' is not an ISO 8601 date and time",
        "record #1: date_heure '2023-09-22T02:07:00+02:00' is not on a quarter-hour",
    ]


@pytest.mark.parametrize('order', ['ascending', 'descending'])
def test_the_autumn_repeated_hour_appears_once_in_odre_as_in_the_xml(order):
    first = {'date_heure': '2023-10-29T02:00:00+02:00', 'nucleaire': 1}
    second = {'date_heure': '2023-10-29T02:00:00+01:00', 'nucleaire': 2}
    records = [first, second] if order == 'ascending' else [second, first]  # the check asks newest first

    [day] = odre.parse(odre_body(*records)).days

    # The slot is the summer-time 02:00 and holds that quarter-hour's value, never the winter one's.
    assert day.series[SeriesKey('nuclear')].value_at(8) == 1.0
    assert day.slot_start(8) == utc(2023, 10, 29, 0, 0)


def test_reading_the_latest_quarter_hour_reads_only_the_end_of_each_row():
    body = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()
    # An unreadable value at 2023-09-21 12:00 (slot 48), far from the latest quarter-hour.
    body = body.replace(b"<valeur periode='48'>38710</valeur>", b"<valeur periode='48'>oops</valeur>")
    document = xmlfeed.parse(body)

    latest_snapshot(document)
    assert not document.problems  # that part of the document was never decoded

    quarter_hours(document)
    assert document.problems.first == ["2023-09-21 'Nucléaire' slot 48: value 'oops' is not a number"]


def test_a_quarter_hour_is_fifteen_minutes():
    snapshot = latest_snapshot(parse_fixture('eco2mix_mix_2023-09-21_22.xml'))

    assert snapshot.end - snapshot.start == timedelta(minutes=15)
