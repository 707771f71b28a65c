"""The national figures beyond the mix: borders, batteries, onshore/offshore wind, consumption forecasts."""

import itertools
import json
import math
from datetime import UTC, date, datetime, timedelta

import pytest

from datadog_exercise.eco2mix import details, odre
from datadog_exercise.eco2mix.details import DAY_AHEAD, INTRADAY, Detail
from datadog_exercise.eco2mix.labels import EXCHANGE
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.slots import paris_day
from datadog_exercise.eco2mix.snapshot import quarter_hours

from support import FIXTURES

NOW = datetime(2023, 9, 22, 0, 40, tzinfo=UTC)  # 02:40 Paris
AT_0200 = datetime(2023, 9, 22, 0, 0, tzinfo=UTC)  # the fixtures' last quarter-hour, 02:00 Paris
ODRE_BODY = (FIXTURES / 'odre_records_2023-09-22.json').read_bytes()
MIX_BODY = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()


def border(code):
    return Detail('commercial_exchange', code)


def odre_body(*records):
    return json.dumps({'total_count': len(records), 'results': list(records)}).encode()


def test_odre_details_of_a_quarter_hour_in_the_sign_a_user_reads():
    found = details.from_odre(ODRE_BODY, now=NOW)

    # RTE's figures for 2023-09-22 02:00 Paris.
    assert found.at(AT_0200) == {
        border('gb'): -3028.0,  # France exports to Great Britain
        border('es'): -2125.0,
        border('it'): -1277.0,
        border('ch'): -2226.0,
        border('de_be'): -5143.0,
        Detail('battery_charging'): 4.0,  # published as -4
        Detail('battery_discharging'): 4.0,
        Detail('wind', 'onshore'): 6849.0,
        Detail('wind', 'offshore'): 591.0,
        DAY_AHEAD: 37300.0,
        INTRADAY: 36900.0,
    }
    assert found.feed == 'odre' and len(found.quarter_hours) == 97 and found.problems == []


def test_commercial_exchanges_have_the_sign_of_the_physical_balance():
    found = details.from_odre(ODRE_BODY, now=NOW)
    balance = dict((start, values[EXCHANGE]) for start, values in quarter_hours(odre.parse(ODRE_BODY)))

    borders = [border(code) for code in ('gb', 'es', 'it', 'ch', 'de_be')]
    compared = 0
    for quarter_hour in found.quarter_hours:
        if all(key in quarter_hour.values for key in borders):
            total = sum(quarter_hour.values[key] for key in borders)
            assert math.copysign(1, total) == math.copysign(1, balance[quarter_hour.start])
            assert abs(total - balance[quarter_hour.start]) < 3000  # commercial and physical flows differ a little
            compared += 1
    assert compared == 49  # half-hourly: the borders are null at :15 and :45
    assert found.at(datetime(2023, 9, 21, 23, 45, tzinfo=UTC)).keys().isdisjoint(borders)
    assert found.at(datetime(2023, 9, 21, 23, 30, tzinfo=UTC))[border('es')] == -1322.0


def test_latest_gives_each_series_its_own_quarter_hour():
    found = details.from_odre(
        odre_body(
            {'date_heure': '2023-09-22T01:30:00+02:00', 'ech_comm_espagne': 900, 'stockage_batterie': -3},
            {'date_heure': '2023-09-22T01:45:00+02:00', 'ech_comm_espagne': None, 'stockage_batterie': '-5'},
        ),
        now=NOW,
    )

    assert found.latest() == {
        border('es'): (datetime(2023, 9, 21, 23, 30, tzinfo=UTC), 900.0),  # France imports from Spain
        Detail('battery_charging'): (datetime(2023, 9, 21, 23, 45, tzinfo=UTC), 5.0),
    }


def test_forecasts_from_the_xml_are_odres():
    from_xml = details.forecasts_from_xml(MIX_BODY, now=NOW)
    from_odre = details.from_odre(ODRE_BODY, now=NOW)

    assert from_xml.at(AT_0200) == {DAY_AHEAD: 37300.0, INTRADAY: 36900.0}
    assert from_xml.feed == 'eco2mix' and len(from_xml.quarter_hours) == 97 and from_xml.problems == []
    for quarter_hour in from_xml.quarter_hours:
        odre_values = from_odre.at(quarter_hour.start)
        assert quarter_hour.values == {key: odre_values[key] for key in (DAY_AHEAD, INTRADAY) if key in odre_values}


@pytest.mark.parametrize(
    'name, count',
    [
        ('eco2mix_mix_dst_spring_2024-03-31_wall_clock.xml', 92),  # slots 8-11 do not exist
        ('eco2mix_mix_dst_spring_2024-03-31_elapsed.xml', 92),
        ('eco2mix_mix_dst_autumn_2023-10-29_wall_clock.xml', 96),  # the repeated hour once
        ('eco2mix_mix_dst_autumn_2023-10-29_elapsed.xml', 100),
    ],
)
def test_xml_forecasts_follow_the_mix_slots_on_clock_change_days(name, count):
    body = (FIXTURES / name).read_bytes()

    found = details.forecasts_from_xml(body, now=datetime(2024, 4, 1, tzinfo=UTC))

    starts = [quarter_hour.start for quarter_hour in found.quarter_hours]
    assert len(starts) == count
    assert all(later - earlier >= timedelta(minutes=15) for earlier, later in itertools.pairwise(starts))


def test_future_forecasts_are_dropped_silently_and_future_measurements_are_problems():
    found = details.from_odre(
        odre_body(
            {'date_heure': '2023-09-22T02:45:00+02:00', 'prevision_j': 35900, 'prevision_j1': 36000},
            {'date_heure': '2023-09-22T03:00:00+02:00', 'prevision_j': 35000, 'ech_comm_suisse': -100},
            {'date_heure': '2023-09-22T02:15:00+02:00', 'prevision_j': 36500},
        ),
        now=NOW,
    )

    assert [quarter_hour.start for quarter_hour in found.quarter_hours] == [AT_0200 + timedelta(minutes=15)]
    assert found.problems == [
        '2023-09-22T03:00+02:00: the quarter-hour ends after now (2023-09-22 00:40 UTC), not data'
    ]


def test_a_battery_at_rest_is_zero_not_minus_zero():
    found = details.from_odre(odre_body({'date_heure': '2023-09-22T02:00:00+02:00', 'stockage_batterie': 0}), now=NOW)

    charging = found.at(AT_0200)[Detail('battery_charging')]
    assert charging == 0.0 and math.copysign(1, charging) == 1.0


def test_implausible_or_unreadable_details_are_refused_alone_and_named():
    record = {
        'date_heure': '2023-09-22T02:00:00+02:00',
        'ech_comm_angleterre': 1e6,
        'stockage_batterie': 500,  # a battery charging is published negative
        'eolien_offshore': 'NaN',
        'prevision_j1': 10**400,
        'eolien_terrestre': '6849',
    }

    found = details.from_odre(odre_body(record), now=NOW)

    assert found.at(AT_0200) == {Detail('wind', 'onshore'): 6849.0}
    assert found.problems == [
        '2023-09-22T02:00+02:00 ech_comm_angleterre: 1e+06 is outside its plausible range -15000..15000 MW; ignored',
        '2023-09-22T02:00+02:00 stockage_batterie: 500 is outside its plausible range -10000..100 MW; ignored',
        "2023-09-22T02:00+02:00 eolien_offshore: 'NaN' is not a number",
        '2023-09-22T02:00+02:00 prevision_j1: an integer of 401 digits is not a number',
    ]


def test_xml_days_outside_what_rte_can_publish_are_not_data():
    body = MIX_BODY.replace(b"<mixtr date='2023-09-21'>", b"<mixtr date='9999-12-31'>")

    found = details.forecasts_from_xml(body, now=NOW)

    assert found.problems == ['day 9999-12-31 is outside 2012-01-01..2023-09-23 (tomorrow): not data']
    assert {paris_day(quarter_hour.start) for quarter_hour in found.quarter_hours} == {date(2023, 9, 22)}


def test_a_repeated_xml_day_keeps_the_first_and_says_so():
    body = MIX_BODY.replace(b"<mixtr date='2023-09-21'>", b"<mixtr date='2023-09-22'>")

    found = details.forecasts_from_xml(body, now=NOW)

    assert found.problems == ['day 2023-09-22 appears twice; the first one is used']
    assert found.at(AT_0200) == {DAY_AHEAD: 38400.0, INTRADAY: 37900.0}  # slot 8 of the first: the 21st's 02:00


@pytest.mark.parametrize(
    'parse, raw, message',
    [
        (details.from_odre, (FIXTURES / 'rte_maintenance.html').read_bytes(), 'received an HTML page, not ODRE JSON'),
        (details.from_odre, b'{"results": {}}', 'ODRE answer has no `results` list'),
        (
            details.forecasts_from_xml,
            (FIXTURES / 'market_prices_2024-04-13_15.xml').read_bytes(),
            'no <mixtr> day element in the document: not an éCO2mix type=mix answer',
        ),
        (details.forecasts_from_xml, (FIXTURES / 'hostile_billion_laughs.xml').read_bytes(), 'refused a document'),
    ],
)
def test_a_wrong_answer_is_a_feed_error(parse, raw, message):
    with pytest.raises(FeedError) as error:
        parse(raw, now=NOW)

    assert str(error.value).startswith(message)
