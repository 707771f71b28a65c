"""RTE's day-ahead market prices (`getDonneesMarche`): parsed per area and Paris day, and the price in force."""

from datetime import UTC, date, datetime, timedelta

import pytest

from datadog_exercise.eco2mix import market
from datadog_exercise.eco2mix.market import Resolution, prices_at
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.slots import Numbering

from fixtures.build import load_prices
from support import FIXTURES

AREAS, PRICES = load_prices()  # RTE's published prices of 2024-04-13..15, in time order


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def parse_fixture(name):
    return market.parse((FIXTURES / name).read_bytes())


def answer(days, header='<echantillon>1</echantillon>'):
    """A getDonneesMarche body: `days` is {date text: {perimetre: [(periode text, value text), ...]}}."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<liste>{header}']
    for day, areas in days.items():
        parts.append(f"<donneesMarche date='{day}'>")
        for area, values in areas.items():
            parts.append(f"<type v='donneesMarche' perimetre='{area}' granularite='Global' qual='1'>")
            parts.extend(f"<valeur periode='{period}'>{value}</valeur>" for period, value in values)
            parts.append('</type>')
        parts.append('</donneesMarche>')
    return (''.join(parts) + '</liste>\n').encode()


def test_every_areas_price_of_the_current_hour_is_read():
    prices = parse_fixture('market_prices_2024-04-13_15.xml')

    # 2024-04-14 12:30 Paris (10:30 UTC): periode 12 of that day. Negative prices are prices.
    assert prices_at(prices.days, utc(2024, 4, 14, 10, 30)) == {
        'at': -39.07,
        'be': -13.1,
        'ch': -65.78,
        'de_lu': -42.27,
        'es': -1.0,
        'fr': -2.16,
        'gb': 21.07,
        'it': 9.65,
        'nl': -42.23,
        'pt': -0.5,
    }
    assert prices.published_days() == (date(2024, 4, 13), date(2024, 4, 14), date(2024, 4, 15))
    assert not prices.unknown_areas and not prices.problems


def test_germany_is_the_germany_luxembourg_zone_and_nd_is_no_price():
    prices = parse_fixture('market_prices_2024-04-13_15.xml')

    found = prices_at(prices.days, utc(2024, 4, 15, 6, 0))

    assert found['de_lu'] == float(PRICES[48 + 8][2]['DL'])  # 2024-04-15 08:00 Paris
    assert 'de' not in found  # `DE` (the former Germany-Austria-Luxembourg zone) is ND all day
    assert all(area_day.area != 'de' for area_day in prices.days)


def test_the_price_changes_on_the_paris_hour():
    prices = parse_fixture('market_prices_2024-04-13_15.xml')

    assert prices_at(prices.days, utc(2024, 4, 14, 10, 59, 59))['fr'] == -2.16  # 12:59:59 Paris, periode 12
    assert prices_at(prices.days, utc(2024, 4, 14, 11, 0))['fr'] == -10.58  # 13:00 Paris, periode 13
    # Paris midnight is 22:00 UTC in April: periode 0 of the 14th, not periode 22 of the 13th.
    assert prices_at(prices.days, utc(2024, 4, 13, 22, 0))['fr'] == 5.79
    assert prices_at(prices.days, utc(2024, 4, 13, 21, 59))['fr'] == float(PRICES[23][2]['FR'])


def test_an_instant_without_published_prices_has_none():
    prices = parse_fixture('market_prices_2024-04-13_15.xml')

    assert prices_at(prices.days, utc(2024, 4, 15, 22, 0)) == {}  # the 16th
    assert prices_at(prices.days, utc(2024, 4, 12, 12, 0)) == {}


def test_prices_not_published_yet_are_an_empty_valid_answer():
    prices = parse_fixture('market_prices_2024-04-16_not_published.xml')

    assert prices.days == () and prices.published_days() == ()
    assert prices_at(prices.days, utc(2024, 4, 16, 10, 0)) == {}
    assert not prices.problems


# Real hour k of a clock-change day starts k hours after Paris midnight; its price in the fixtures is the
# k-th recorded price (in time order) and, numbered by wall clock in autumn, the repeated hour (k = 3) has none.
@pytest.mark.parametrize(
    'name, midnight, hours, numbering, unpriced',
    [
        ('market_prices_dst_spring_2024-03-31_elapsed.xml', utc(2024, 3, 30, 23), 23, Numbering.ELAPSED, ()),
        ('market_prices_dst_spring_2024-03-31_wall_clock.xml', utc(2024, 3, 30, 23), 23, Numbering.WALL_CLOCK, ()),
        ('market_prices_dst_autumn_2023-10-29_elapsed.xml', utc(2023, 10, 28, 22), 25, Numbering.ELAPSED, ()),
        ('market_prices_dst_autumn_2023-10-29_wall_clock.xml', utc(2023, 10, 28, 22), 25, Numbering.WALL_CLOCK, (3,)),
    ],
)
def test_clock_change_days_give_each_real_hour_one_price(name, midnight, hours, numbering, unpriced):
    prices = parse_fixture(name)

    fr = next(area_day for area_day in prices.days if area_day.area == 'fr')
    assert (fr.resolution, fr.numbering) == (Resolution.HOURLY, numbering)
    for hour in range(hours):
        found = prices_at(prices.days, midnight + timedelta(hours=hour, minutes=30)).get('fr')
        assert found == (None if hour in unpriced else float(PRICES[hour][2]['FR'])), hour
    assert prices_at(prices.days, midnight + timedelta(hours=hours)) == {}  # the next day
    assert not prices.problems


def test_spring_wall_clock_hour_that_does_not_exist_is_never_a_price():
    periods = [(period, '999' if period == 2 else str(period)) for period in range(24)]

    prices = market.parse(answer({'2024-03-31': {'FR': periods}}))

    [fr] = prices.days
    assert fr.numbering is Numbering.WALL_CLOCK and 2 not in fr.prices
    assert prices_at(prices.days, utc(2024, 3, 31, 0, 59)) == {'fr': 1.0}  # 01:59 CET
    assert prices_at(prices.days, utc(2024, 3, 31, 1, 0)) == {'fr': 3.0}  # 03:00 CEST, one instant later
    assert not prices.problems


def test_quarter_hourly_prices_are_read_as_quarter_hours():
    periods = [(period, f'{period}.5') for period in range(96)]  # the day-ahead market since 1 October 2025

    prices = market.parse(answer({'2025-10-02': {'FR': periods}}))

    [fr] = prices.days
    assert fr.resolution is Resolution.QUARTER_HOURLY
    assert prices_at(prices.days, utc(2025, 10, 1, 22, 15)) == {'fr': 1.5}  # 00:15 Paris
    assert prices_at(prices.days, utc(2025, 10, 2, 21, 59)) == {'fr': 95.5}


def test_implausible_and_unreadable_prices_are_refused_and_named():
    periods = [
        (0, '10000.5'),
        (1, '-1000.5'),
        (2, '1e308'),
        (3, 'nan'),
        (4, '12,5'),
        (5, '10000'),
        (6, '-1000'),
        (7, ''),
    ]

    prices = market.parse(answer({'2024-04-14': {'FR': periods}}))

    [fr] = prices.days
    assert fr.prices == {5: 10000.0, 6: -1000.0}  # the range's ends are prices
    assert prices.problems.first == [
        '2024-04-14 fr periode 0: price 10000.5 is outside -1000..10000 EUR/MWh',
        '2024-04-14 fr periode 1: price -1000.5 is outside -1000..10000 EUR/MWh',
        "2024-04-14 fr periode 2: price '1e308' is not a number",
        "2024-04-14 fr periode 3: price 'nan' is not a number",
        "2024-04-14 fr periode 4: price '12,5' is not a number",
    ]


def test_a_periode_from_the_feed_never_sets_the_amount_of_work():
    periods = [(10**12, '40'), (10**400, '41'), (-1, '42'), ('x', '43'), (30, '44'), (3, '45')]

    prices = market.parse(answer({'2024-04-14': {'FR': periods}}))

    assert prices_at(prices.days, utc(2024, 4, 14, 1, 30)) == {'fr': 45.0}  # 03:30 Paris
    assert prices.problems.first == [
        "2024-04-14 fr: periode '1000000000000' is not a period of the day",
        "2024-04-14 fr: periode '1000000000000000000000000000000000000000'... is not a period of the day",
        "2024-04-14 fr: periode '-1' is not a period of the day",
        "2024-04-14 fr: periode 'x' is not a period of the day",
        '2024-04-14 fr: periode 30 outside the day; ignored',
    ]


@pytest.mark.parametrize(
    'day', ['9999-12-31', '0001-01-01', '2011-12-31', '31/12/2023', '2024-02-30', '\uff12\uff10\uff12\uff14-04-14']
)
def test_a_day_no_feed_can_speak_of_is_a_feed_error(day):
    with pytest.raises(FeedError) as error:
        market.parse(answer({day: {'FR': [(0, '10')]}}))

    assert str(error.value) == f'day element <donneesMarche> has an invalid date {day!r}'


def test_an_unknown_area_is_named_once_and_never_becomes_a_tag():
    days = {'2024-04-13': {'PL': [(0, '90')], 'FR': [(0, '10')]}, '2024-04-14': {'PL': [(0, '91')]}}

    prices = market.parse(answer(days))

    assert (prices.unknown_areas.count, prices.unknown_areas.first) == (2, ["'PL'"])
    assert [area_day.area for area_day in prices.days] == ['fr']


def test_repeats_keep_the_first_day_and_area_and_the_last_periode():
    days = {'2024-04-14': {'FR': [(0, '1'), (0, '2')]}}
    body = answer(days).replace(b'</liste>', b"<donneesMarche date='2024-04-14'></donneesMarche></liste>")

    prices = market.parse(body)

    assert prices.days[0].prices == {0: 2.0}
    assert prices.problems.first == [
        'day 2024-04-14 appears twice; the first one is used',
        '2024-04-14 fr: periode 0 appears twice; the last one is used',
    ]


def test_problems_are_capped_whatever_the_answer():
    periods = [(period, 'oops') for period in range(24)]

    prices = market.parse(answer({'2024-04-14': {area: periods for area in AREAS}}))

    assert (prices.problems.count, len(prices.problems.first)) == (24 * len(AREAS), 20)


@pytest.mark.parametrize(
    'body, message',
    [
        (
            (FIXTURES / 'rte_maintenance.html').read_bytes(),
            "received an HTML page, not éCO2mix market-prices XML (title: 'Service momentanément indisponible')",
        ),
        (
            (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes(),
            'this is the éCO2mix mix or CO2 feed (<mixtr> days, eco2mixWeb), not the market prices '
            '(<donneesMarche> days, getDonneesMarche): check the URL',
        ),
        (b'', 'empty response body (0 bytes)'),
        ((FIXTURES / 'market_prices_2024-04-13_15.xml').read_bytes()[:900], 'malformed XML (900 bytes)'),
        (
            answer({}),
            'no <donneesMarche> day element in the document (children found: echantillon)',
        ),
        ((FIXTURES / 'hostile_xxe.xml').read_bytes(), 'refused a document that declares a DTD'),
    ],
)
def test_a_wrong_answer_is_a_feed_error_naming_what_arrived(body, message):
    with pytest.raises(FeedError) as error:
        market.parse(body)

    assert str(error.value).startswith(message)
