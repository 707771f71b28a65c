"""RTE's day-ahead market prices (`getDonneesMarche`): parsed per area and Paris day, and the price in force."""

from datetime import UTC, date, datetime, timedelta

import pytest

from datadog_exercise.eco2mix import market
from datadog_exercise.eco2mix.market import Resolution, prices_at
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.slots import Numbering

from fixtures.build import load_prices
from support import FIXTURES

NOW = datetime(2024, 4, 14, 13, 15, tzinfo=UTC)  # 15:15 Paris: the 15th's prices are published
AREAS, PRICES = load_prices()  # RTE's published prices of 2024-04-13..15, in time order


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def parse_fixture(name, now=NOW):
    return market.parse((FIXTURES / name).read_bytes(), now=now)


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
    assert prices_at(prices, utc(2024, 4, 14, 10, 30)) == {
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
    assert prices.generated_at == utc(2024, 4, 14, 13, 10, 57)
    assert prices.published_days() == (date(2024, 4, 13), date(2024, 4, 14), date(2024, 4, 15))
    assert prices.unknown_areas == frozenset() and prices.problems == []


def test_germany_is_the_germany_luxembourg_zone_and_nd_is_no_price():
    prices = parse_fixture('market_prices_2024-04-13_15.xml')

    found = prices_at(prices, utc(2024, 4, 15, 6, 0))

    assert found['de_lu'] == float(PRICES[48 + 8][2]['DL'])  # 2024-04-15 08:00 Paris
    assert 'de' not in found  # `DE` (the former Germany-Austria-Luxembourg zone) is ND all day
    assert all(area_day.area != 'de' for area_day in prices.days)


def test_the_price_changes_on_the_paris_hour():
    prices = parse_fixture('market_prices_2024-04-13_15.xml')

    assert prices_at(prices, utc(2024, 4, 14, 10, 59, 59))['fr'] == -2.16  # 12:59:59 Paris, periode 12
    assert prices_at(prices, utc(2024, 4, 14, 11, 0))['fr'] == -10.58  # 13:00 Paris, periode 13
    # Paris midnight is 22:00 UTC in April: periode 0 of the 14th, not periode 22 of the 13th.
    assert prices_at(prices, utc(2024, 4, 13, 22, 0))['fr'] == 5.79
    assert prices_at(prices, utc(2024, 4, 13, 21, 59))['fr'] == float(PRICES[23][2]['FR'])


def test_an_instant_without_published_prices_has_none():
    prices = parse_fixture('market_prices_2024-04-13_15.xml')

    assert prices_at(prices, utc(2024, 4, 15, 22, 0)) == {}  # the 16th
    assert prices_at(prices, utc(2024, 4, 12, 12, 0)) == {}


def test_prices_not_published_yet_are_an_empty_valid_answer():
    prices = parse_fixture('market_prices_2024-04-16_not_published.xml', now=utc(2024, 4, 15, 9, 5))

    assert prices.days == () and prices.published_days() == ()
    assert prices_at(prices, utc(2024, 4, 16, 10, 0)) == {}
    assert prices.problems == []


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
    prices = parse_fixture(name, now=midnight)

    fr = next(area_day for area_day in prices.days if area_day.area == 'fr')
    assert (fr.resolution, fr.numbering) == (Resolution.HOURLY, numbering)
    for hour in range(hours):
        found = prices_at(prices, midnight + timedelta(hours=hour, minutes=30)).get('fr')
        assert found == (None if hour in unpriced else float(PRICES[hour][2]['FR'])), hour
    assert prices_at(prices, midnight + timedelta(hours=hours)) == {}  # the next day
    assert prices.problems == []


def test_spring_wall_clock_hour_that_does_not_exist_is_never_a_price():
    periods = [(period, '999' if period == 2 else str(period)) for period in range(24)]

    prices = market.parse(answer({'2024-03-31': {'FR': periods}}), now=utc(2024, 3, 31, 12))

    [fr] = prices.days
    assert fr.numbering is Numbering.WALL_CLOCK and 2 not in fr.prices
    assert prices_at(prices, utc(2024, 3, 31, 0, 59)) == {'fr': 1.0}  # 01:59 CET
    assert prices_at(prices, utc(2024, 3, 31, 1, 0)) == {'fr': 3.0}  # 03:00 CEST, one instant later
    assert prices.problems == []


def test_quarter_hourly_prices_are_read_as_quarter_hours():
    periods = [(period, f'{period}.5') for period in range(96)]  # the day-ahead market since 1 October 2025

    prices = market.parse(answer({'2025-10-02': {'FR': periods}}), now=utc(2025, 10, 2, 12))

    [fr] = prices.days
    assert fr.resolution is Resolution.QUARTER_HOURLY
    assert prices_at(prices, utc(2025, 10, 1, 22, 15)) == {'fr': 1.5}  # 00:15 Paris
    assert prices_at(prices, utc(2025, 10, 2, 21, 59)) == {'fr': 95.5}


def test_implausible_and_unreadable_prices_are_refused_and_named():
    periods = [(0, '4000.01'), (1, '-500.5'), (2, '1e308'), (3, 'nan'), (4, '12,5'), (5, '4000'), (6, '-500'), (7, '')]

    prices = market.parse(answer({'2024-04-14': {'FR': periods}}), now=NOW)

    [fr] = prices.days
    assert fr.prices == {5: 4000.0, 6: -500.0}  # the auction limits themselves are prices
    assert prices.problems == [
        '2024-04-14 fr periode 0: price 4000.01 is outside -500..4000 EUR/MWh, the auction limits',
        '2024-04-14 fr periode 1: price -500.5 is outside -500..4000 EUR/MWh, the auction limits',
        '2024-04-14 fr periode 2: price 1e+308 is outside -500..4000 EUR/MWh, the auction limits',
        "2024-04-14 fr periode 3: price 'nan' is not a number",
        "2024-04-14 fr periode 4: price '12,5' is not a number",
    ]


def test_a_periode_from_the_feed_never_sets_the_amount_of_work():
    periods = [(10**12, '40'), (10**400, '41'), (-1, '42'), ('x', '43'), (30, '44'), (3, '45')]

    prices = market.parse(answer({'2024-04-14': {'FR': periods}}), now=NOW)

    assert prices_at(prices, utc(2024, 4, 14, 1, 30)) == {'fr': 45.0}  # 03:30 Paris
    assert prices.problems == [
        "2024-04-14 fr: periode '1000000000000' is not a period of the day",
        "2024-04-14 fr: periode '1000000000000000000000000000000000000000'... is not a period of the day",
        "2024-04-14 fr: periode '-1' is not a period of the day",
        "2024-04-14 fr: periode 'x' is not a period of the day",
        '2024-04-14 fr: periode 30 outside the day; ignored',
    ]


def test_days_outside_what_rte_can_publish_are_not_data():
    days = {day: {'FR': [(0, '10')]} for day in ('9999-12-31', '2024-04-16', '0001-01-01', '2011-12-31', '31/12/2023')}

    prices = market.parse(answer(days), now=NOW)

    assert prices.days == ()
    assert prices.problems == [
        'day 9999-12-31 is outside 2012-01-01..2024-04-15 (tomorrow): not data',
        'day 2024-04-16 is outside 2012-01-01..2024-04-15 (tomorrow): not data',
        'day 0001-01-01 is outside 2012-01-01..2024-04-15 (tomorrow): not data',
        'day 2011-12-31 is outside 2012-01-01..2024-04-15 (tomorrow): not data',
        "day element <donneesMarche> has an invalid date '31/12/2023'",
    ]


def test_an_unknown_area_is_named_once_and_never_becomes_a_tag():
    days = {'2024-04-13': {'PL': [(0, '90')], 'FR': [(0, '10')]}, '2024-04-14': {'PL': [(0, '91')]}}

    prices = market.parse(answer(days), now=NOW)

    assert prices.unknown_areas == frozenset({'PL'})
    assert [area_day.area for area_day in prices.days] == ['fr']


def test_repeats_keep_the_first_day_and_area_and_the_last_periode():
    days = {'2024-04-14': {'FR': [(0, '1'), (0, '2')]}}
    body = answer(days).replace(b'</liste>', b"<donneesMarche date='2024-04-14'></donneesMarche></liste>")

    prices = market.parse(body, now=NOW)

    assert prices.days[0].prices == {0: 2.0}
    assert prices.problems == [
        '2024-04-14 fr: periode 0 appears twice; the last one is used',
        'day 2024-04-14 appears twice; the first one is used',
    ]


def test_a_generation_time_after_now_is_ignored():
    header = '<date_actuelle>2099-01-01 00:00:00</date_actuelle>'

    prices = market.parse(answer({'2024-04-14': {'FR': [(0, '1')]}}, header=header), now=NOW)

    assert prices.generated_at is None
    assert prices.problems == ['date_actuelle 2099-01-01 00:00:00 UTC is after now: ignored']


def test_problems_are_capped_whatever_the_answer():
    periods = [(period, 'oops') for period in range(24)]

    prices = market.parse(answer({'2024-04-14': {area: periods for area in AREAS}}), now=NOW)

    assert len(prices.problems) == 20


@pytest.mark.parametrize(
    'body, message',
    [
        (
            (FIXTURES / 'rte_maintenance.html').read_bytes(),
            "received an HTML page, not éCO2mix XML (title: 'Service momentanément indisponible')",
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
        market.parse(body, now=NOW)

    assert str(error.value).startswith(message)
