"""The check against answers that arrive intact but cannot be trusted (issue 10, items 1 to 3 and 6 to 8): dated
after this host's clock, out of any date range, flooded with unknown labels, holding impossible values, or
holding rows but no usable quarter-hour. Each is a fault the service check names; nothing made up is submitted.
"""

import json
import math
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from datadog_checks.base import AgentCheck

from datadog_exercise.eco2mix.labels import KNOWN_SERIES
from datadog_exercise.eco2mix.model import Snapshot
from datadog_exercise.elec_france.check import ElecFranceCheck
from datadog_exercise.elec_france.state import FetchState

from feedserver import Answer, FeedServer
from fixtures.build import CO2_ROWS, MIX_ROWS, load_figures, pooled, render_xml
from support import FIXTURES, NATIONAL_ONLY, no_hang

NOW = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC).timestamp()  # when the fixtures' answers were generated
MIX = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()
CO2 = (FIXTURES / 'eco2mix_co2_2023-09-21_22.xml').read_bytes()
ODRE = (FIXTURES / 'odre_records_2023-09-22.json').read_bytes()
STATE_KEY = 'elec_france:faults_state'


def answer_of(day, rows=MIX_ROWS):
    """An éCO2mix answer for `day` and the day before, generated at 09:21 UTC on `day`, RTE's figures laid in."""
    days = [day - timedelta(days=1), day]
    generated = datetime.combine(day, datetime.min.time()) + timedelta(hours=9, minutes=21, seconds=9)
    return render_xml(days, generated, rows, pooled(load_figures(), {days[0]: 96, day: 45})).encode()


@pytest.fixture
def server():
    with FeedServer() as running:
        running.serve('mix', Answer(MIX))
        running.serve('co2', Answer(CO2))
        running.serve('odre', Answer(ODRE))
        yield running


@pytest.fixture
def make_check(server, datadog_agent):
    def make(now=NOW, **options):
        instance = {
            'eco2mix_url': server.eco2mix_url,
            'odre_url': server.odre_url,
            'timeout': 2,
            **NATIONAL_ONLY,
            **options,
        }
        check = ElecFranceCheck('elec_france', {}, [instance])
        check.check_id = 'elec_france:faults'
        check.clock = lambda: now
        return check

    return make


def service_check(aggregator):
    [sample] = aggregator.service_checks('elec_france.can_connect')
    return sample


def assert_only_finite_metrics(aggregator):
    for name in aggregator.metric_names:
        for sample in aggregator.metrics(name):
            assert math.isfinite(sample.value), (name, sample.value)


# ---- 1. work proportional to a number from the feed -----------------------------------------------------------


def test_a_co2_answer_with_a_periode_of_a_thousand_billion_costs_nothing(make_check, dd_run_check, aggregator, server):
    end = CO2.index(b'</type>', CO2.index(b"<mixtr date='2023-09-22'>"))
    server.serve('co2', Answer(CO2[:end] + b"<valeur periode='1000000000000'>12</valeur>" + CO2[end:]))
    check = make_check()

    with no_hang(10):
        dd_run_check(check)

    aggregator.assert_metric('elec_france.co2_intensity', 12.0, count=1)
    assert check.get_warnings() == [
        "éCO2mix type=co2: 1 value(s) ignored: 2023-09-22 'Taux de Co2': periode '1000000000000' is not a slot "
        'number (0 to 99)'
    ]


# ---- 2. the feed's clock ----------------------------------------------------------------------------------------

FUTURE = {
    'mix of 2099': ('mix', Answer(answer_of(date(2099, 1, 1))), NOW, 'ends at 2099-01-01 10:15 UTC'),
    'mix an hour ahead of this host': ('mix', Answer(MIX), NOW - 3600, 'ends at 2023-09-22 00:15 UTC'),
    'date_actuelle of 2099': (
        'mix',
        Answer(MIX.replace(b'2023-09-22 00:21:09', b'2099-01-01 00:00:00')),
        NOW,
        'generated at 2099-01-01 00:00 UTC',
    ),
    'date_actuelle before its data': (
        'mix',
        Answer(MIX.replace(b'2023-09-22 00:21:09', b'2023-09-21 00:00:00')),
        NOW,
        'generated at 2023-09-21 00:00 UTC, before its latest quarter-hour ended',
    ),
}


@pytest.mark.parametrize('feed, answer, now, reason', FUTURE.values(), ids=FUTURE.keys())
def test_an_answer_dated_after_this_hosts_clock_is_a_fault_not_data(
    feed, answer, now, reason, make_check, dd_run_check, aggregator, server
):
    server.serve(feed, answer)
    check = make_check(now=now, source='eco2mix')

    dd_run_check(check)

    sample = service_check(aggregator)
    assert sample.status == AgentCheck.CRITICAL
    assert sample.message.startswith('eco2mix: éCO2mix type=mix answer unusable: ') and reason in sample.message
    assert aggregator.metric_names == []
    assert check.state.next_fetch_at == now + 60  # the first backoff step, not the feed's date


def test_an_odre_answer_dated_2099_is_a_fault_not_data(make_check, dd_run_check, aggregator, server):
    records = json.loads(ODRE)
    for record in records['results']:
        record['date_heure'] = record['date_heure'].replace('2023-09-2', '2099-09-2')
    server.serve('odre', Answer(json.dumps(records).encode()))
    check = make_check(source='odre')

    dd_run_check(check)

    sample = service_check(aggregator)
    assert sample.status == AgentCheck.CRITICAL
    assert sample.message.startswith('odre: ODRE answer unusable: its latest quarter-hour ends at 2099-09-22 00:15 UTC')
    assert aggregator.metric_names == []


def test_with_source_auto_odre_serves_while_eco2mix_is_in_the_future(make_check, dd_run_check, aggregator, server):
    server.serve('mix', Answer(answer_of(date(2099, 1, 1))))
    check = make_check()

    dd_run_check(check)

    warnings = check.get_warnings()
    sample = service_check(aggregator)
    assert sample.status == AgentCheck.WARNING and sample.message == warnings[0]
    aggregator.assert_metric('elec_france.consumption', 36278, tags=['feed:odre'], count=1)
    assert warnings[0].startswith(
        'éCO2mix failed (eco2mix: éCO2mix type=mix answer unusable: its latest quarter-hour ends at 2099-01-01'
    )


def test_a_co2_reading_after_this_hosts_clock_is_not_used(make_check, dd_run_check, aggregator, server):
    server.serve('co2', Answer(answer_of(date(2099, 1, 1), rows=CO2_ROWS)))
    check = make_check()

    dd_run_check(check)

    assert not aggregator.metrics('elec_france.co2_intensity')
    aggregator.assert_metric('elec_france.consumption', 36278, count=1)
    assert check.get_warnings() == [
        'CO2 intensity not refreshed: éCO2mix type=co2 answer unusable: its latest CO2 intensity ends at '
        "2099-01-01 10:15 UTC, after this host's clock (2023-09-22 00:21 UTC)"
    ]


SNAPSHOT_2099 = Snapshot('eco2mix', datetime(2099, 1, 1, tzinfo=UTC), {key: 1.0 for key in KNOWN_SERIES})
CACHED_FUTURES = {
    'next fetch in 2099': FetchState(next_fetch_at=datetime(2099, 1, 1, tzinfo=UTC).timestamp()),
    'snapshot of 2099': FetchState(snapshot=SNAPSHOT_2099, next_fetch_at=NOW + 600),
    'generation time of 2099': FetchState(as_of=datetime(2099, 1, 1, tzinfo=UTC), next_fetch_at=NOW - 1),
}


@pytest.mark.parametrize('cached', CACHED_FUTURES.values(), ids=CACHED_FUTURES.keys())
def test_a_cache_dated_in_the_future_does_not_stop_fetching(
    cached, make_check, dd_run_check, aggregator, datadog_agent
):
    datadog_agent.write_persistent_cache(STATE_KEY, cached.to_json())
    check = make_check(source='eco2mix')

    dd_run_check(check)

    aggregator.assert_metric('elec_france.consumption', 36278, count=1)
    assert check.state.snapshot.start == datetime(2023, 9, 22, tzinfo=UTC)
    assert check.state.as_of == datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC)
    assert check.state.next_fetch_at <= NOW + 3600


def test_a_co2_fetch_cached_in_the_future_is_done_again(make_check, dd_run_check, server, datadog_agent):
    cached = FetchState(co2_fetched_at=NOW + 10**6, co2=(datetime(2099, 1, 1, tzinfo=UTC), 50.0))
    datadog_agent.write_persistent_cache(STATE_KEY, cached.to_json())
    check = make_check(source='eco2mix')

    dd_run_check(check)

    assert server.count('co2') == 1
    assert check.state.co2 == (datetime(2023, 9, 22, tzinfo=UTC), 12.0)


# ---- 3. an answer out of any date range: a fault, with backoff -------------------------------------------------

OUT_OF_RANGE = {
    'mix of year 9999': ('eco2mix', 'mix', MIX.replace(b"date='2023-09-22'", b"date='9999-12-31'")),
    'odre with 400-digit integers': (
        'odre',
        'odre',
        ODRE.replace(b'"nucleaire": 37536', b'"nucleaire": ' + b'9' * 400),
    ),
    'odre dated year 1': ('odre', 'odre', ODRE.replace(b'2023-09-22T02:00:00+02:00', b'0001-01-01T00:00:00+01:00')),
}


@pytest.mark.parametrize('source, feed, body', OUT_OF_RANGE.values(), ids=OUT_OF_RANGE.keys())
def test_an_answer_out_of_any_date_or_number_range_is_said_and_backed_off(
    source, feed, body, make_check, dd_run_check, aggregator, server
):
    server.serve(feed, Answer(body))
    check = make_check(source=source)

    for run in range(5):  # a minute of runs at the Agent's default interval
        check.clock = lambda run=run: NOW + 15 * run
        dd_run_check(check)

    assert len(server.requests) <= 2  # mix and co2 once, or ODRE once: then the backoff
    statuses = {sample.status for sample in aggregator.service_checks('elec_france.can_connect')}
    assert_only_finite_metrics(aggregator)
    assert statuses <= {AgentCheck.OK, AgentCheck.CRITICAL}


def test_a_row_without_label_next_to_unknown_labels_is_one_warning(make_check, dd_run_check, aggregator, server):
    rows = b"<type granularite='Global'><valeur periode='8'>1</valeur></type><type v='Nouveau'/>"
    server.serve('mix', Answer(MIX.replace(b"<mixtr date='2023-09-22'>", b"<mixtr date='2023-09-22'>" + rows)))
    check = make_check(co2=False)

    dd_run_check(check)

    assert check.get_warnings() == ["éCO2mix type=mix: 2 row(s) of unknown series ignored: None, 'Nouveau'"]
    aggregator.assert_metric('elec_france.consumption', 36278, count=1)


# ---- 6. output bounded whatever the feed -------------------------------------------------------------------------


def test_ten_thousand_unknown_labels_are_one_bounded_warning(make_check, dd_run_check, aggregator, server):
    rows = ''.join(f"<type v='L{n}'><valeur periode='8'>1</valeur></type>" for n in range(10_000))
    server.serve('mix', Answer(MIX.replace(b"<mixtr date='2023-09-22'>", f"<mixtr date='2023-09-22'>{rows}".encode())))
    check = make_check(co2=False)

    dd_run_check(check)

    [warning] = check.get_warnings()
    assert warning.startswith("éCO2mix type=mix: 10000 row(s) of unknown series ignored: 'L0', 'L1', ")
    assert warning.endswith("'L19', ...") and len(warning) < 1000
    aggregator.assert_metric('elec_france.consumption', 36278, count=1)


def test_ten_thousand_technology_codes_add_no_metric_series(make_check, dd_run_check, aggregator, server):
    rows = ''.join(f"<type v='Gaz' granularite='X{n}'><valeur periode='8'>1</valeur></type>" for n in range(10_000))
    server.serve('mix', Answer(MIX.replace(b"<mixtr date='2023-09-22'>", f"<mixtr date='2023-09-22'>{rows}".encode())))
    check = make_check(co2=False)

    dd_run_check(check)

    series = {tuple(sorted(sample.tags)) for sample in aggregator.metrics('elec_france.production.breakdown')}
    assert len(series) == 13  # hydro 3, gas 4, oil 3, bioenergy 3: the known codes only
    [warning] = check.get_warnings()
    assert warning.startswith("éCO2mix type=mix: 10000 row(s) of unknown series ignored: 'Gaz' ('X0'), ")


# ---- 7. impossible values ---------------------------------------------------------------------------------------


def with_latest_value(body, label, text):
    """The fixture with the value of `label` at 02:00 Paris (slot 8 of the 22nd) replaced by `text`."""
    row = body.index(f"<type v='{label}' ".encode(), body.index(b"<mixtr date='2023-09-22'>"))
    marker = b"<valeur periode='8'>"
    cell = body.index(marker, row) + len(marker)
    return body[:cell] + text.encode() + body[body.index(b'</valeur>', cell) :]


@pytest.mark.parametrize(
    'changes',
    [
        {'Nucléaire': '999999999999999'},
        {'Solaire': '-50000'},
        {label: '99999999999999' for label in ('Nucléaire', 'Charbon', 'Gaz', 'Fioul', 'Hydraulique', 'Eolien')},
        {'Nucléaire': '1e307'},
    ],
    ids=['nuclear 1e15', 'solar -50000', 'six fuels 1e14', 'nuclear 1e307'],
)
def test_an_impossible_value_is_never_submitted_and_its_quarter_hour_is_not_reported(
    changes, make_check, dd_run_check, aggregator, server
):
    body = MIX
    for label, text in changes.items():
        body = with_latest_value(body, label, text)
    server.serve('mix', Answer(body))
    check = make_check(co2=False)

    dd_run_check(check)

    assert check.state.snapshot.start == datetime(2023, 9, 21, 23, 45, tzinfo=UTC)  # 01:45 Paris, not 02:00
    assert_only_finite_metrics(aggregator)
    for name in ('elec_france.share.low_carbon', 'elec_france.share.renewable'):
        assert all(0 <= sample.value <= 100 for sample in aggregator.metrics(name))
    [warning] = check.get_warnings()
    assert warning.startswith(f'éCO2mix type=mix: {len(changes)} value(s) ignored: 2023-09-22 ')


# ---- 8. rows but no usable quarter-hour: a fault, not "OK with no metrics" -----------------------------------


def every_value_of(body, label, text):
    """The fixture with every value of `label`, on both days, replaced by `text`."""
    for day in (b"<mixtr date='2023-09-21'>", b"<mixtr date='2023-09-22'>"):
        row = body.index(f"<type v='{label}' ".encode(), body.index(day))
        end = body.index(b'</type>', row)
        body = (
            body[:row]
            + re.sub(rb"(<valeur periode='[0-9]+'>)[^<]*", rb'\g<1>' + text.encode(), body[row:end])
            + body[end:]
        )
    return body


@pytest.mark.parametrize(
    'feed, body, reason',
    [
        (
            'mix',
            MIX.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
            "éCO2mix type=mix answer unusable: no complete quarter-hour: no usable value for nuclear ('Nucléaire')",
        ),
        (
            'mix',
            MIX.replace(b"v='Solde'", b"v='Echanges'"),
            "éCO2mix type=mix answer unusable: no complete quarter-hour: no usable value for exchange ('Solde')",
        ),
        (
            'mix',
            every_value_of(MIX, 'Consommation', 'n/a'),
            'éCO2mix type=mix answer unusable: no complete quarter-hour: no usable value for consumption '
            "('Consommation')",
        ),
        (
            'odre',
            json.dumps({'results': [{'date_heure': '2023-09-22T02:00:00+02:00', 'consommation': None}] * 8}).encode(),
            "ODRE answer unusable: no complete quarter-hour: no usable value for nuclear ('nucleaire'), coal",
        ),
    ],
    ids=['ISO-8859-1 declared, UTF-8 sent', 'Solde renamed', 'every consumption unreadable', 'ODRE rows all null'],
)
def test_an_answer_with_rows_but_no_usable_quarter_hour_is_critical_and_names_what_is_missing(
    feed, body, reason, make_check, dd_run_check, aggregator, server
):
    server.serve(feed, Answer(body))
    check = make_check(source='odre' if feed == 'odre' else 'eco2mix', co2=False)

    dd_run_check(check)

    sample = service_check(aggregator)
    assert sample.status == AgentCheck.CRITICAL
    assert sample.message.startswith(f'{"odre" if feed == "odre" else "eco2mix"}: {reason}'), sample.message
    assert aggregator.metric_names == []


def test_with_source_auto_odre_serves_while_eco2mix_is_unusable(make_check, dd_run_check, aggregator, server):
    server.serve('mix', Answer(MIX.replace(b"v='Solde'", b"v='Echanges'")))
    check = make_check()

    dd_run_check(check)

    warnings = check.get_warnings()
    sample = service_check(aggregator)
    assert sample.status == AgentCheck.WARNING and sample.message == warnings[1]
    assert "no usable value for exchange ('Solde')" in sample.message  # names the missing series
    aggregator.assert_metric('elec_france.consumption', 36278, tags=['feed:odre'], count=1)
    assert warnings == [
        "éCO2mix type=mix: 2 row(s) of unknown series ignored: 'Echanges'",
        'éCO2mix failed (eco2mix: éCO2mix type=mix answer unusable: no complete quarter-hour: no usable value for '
        "exchange ('Solde')); the figures come from ODRE, about an hour later",
    ]


def test_a_co2_answer_without_a_usable_value_is_a_warning(make_check, dd_run_check, aggregator, server):
    server.serve('co2', Answer(CO2.replace(b"v='Taux de Co2'", b"v='Taux de CO2'")))
    check = make_check()

    dd_run_check(check)

    assert service_check(aggregator).status == AgentCheck.OK
    assert not aggregator.metrics('elec_france.co2_intensity')
    assert 'CO2 intensity not refreshed: éCO2mix type=co2 answer unusable: no usable CO2 intensity in the answer' in (
        check.get_warnings()
    )
