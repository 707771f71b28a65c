"""Issue 11 through the check, on a real local HTTP server: éCO2mix checked against ODRE's copy of the same figures,
the drift diagnosis, and `label_overrides` mending a renamed label without a release."""

from datetime import date, datetime

import pytest
from datadog_checks.base import AgentCheck
from test_elec_france_check import GENERATED, TAGS, assert_current_production, fixture

from datadog_exercise.elec_france.check import CROSS_CHECK_KEY, ElecFranceCheck

from feedserver import Answer, FeedServer
from fixtures.build import MIX_ROWS, load_figures, published, render_xml

AGREE = 'elec_france.feed_consistency'
SEP21, SEP22 = date(2023, 9, 21), date(2023, 9, 22)
EXCHANGE_RENAMED = 'Ech. physiques'
# The diagnosis of 'Solde' renamed, in the words of the issue.
DIAGNOSIS = (
    "unknown series 'Ech. physiques' equals ODRE's ech_physiques on 8 of 8 quarter-hours: probably the exchange "
    "balance; map it with label_overrides ('Ech. physiques': exchange)"
)


def mix_answer(rows):
    """The type=mix fixture's figures and time (up to 02:00 Paris on the 22nd) under other rows."""
    until_0200 = published(load_figures(), (SEP22, 8))
    return Answer(render_xml([SEP21, SEP22], datetime(2023, 9, 22, 0, 21, 9), rows, until_0200).encode())


def relabelled(renames):
    """MIX_ROWS with the total rows' labels renamed: {old label: new label}."""
    return tuple((renames.get(label, label) if g == 'Global' else label, g, field) for label, g, field in MIX_ROWS)


@pytest.fixture
def server():
    with FeedServer() as running:
        running.serve('mix', fixture('eco2mix_mix_2023-09-21_22.xml'))
        running.serve('co2', fixture('eco2mix_co2_2023-09-21_22.xml'))
        running.serve('odre', fixture('odre_records_2023-09-22.json'))
        yield running


@pytest.fixture
def make_check(server, datadog_agent):
    def make(now=GENERATED, **options):
        # source: auto and cross_check: true are the defaults; the prices are another feed.
        instance = {'eco2mix_url': server.eco2mix_url, 'odre_url': server.odre_url, 'timeout': 2, 'tags': TAGS}
        check = ElecFranceCheck('elec_france', {}, [{**instance, 'prices': False, **options}])
        check.check_id = 'elec_france:cross_check'
        check.clock = lambda: now
        return check

    return make


def run(check, dd_run_check, aggregator):
    aggregator.reset()
    dd_run_check(check)


def consistency(aggregator):
    [service_check] = aggregator.service_checks(AGREE)
    return service_check.status, service_check.message


def test_agreeing_feeds_give_ok_and_no_mismatch_with_no_request_of_their_own(
    make_check, dd_run_check, aggregator, server
):
    run(make_check(), dd_run_check, aggregator)

    assert consistency(aggregator) == (AgentCheck.OK, '')
    aggregator.assert_metric('elec_france.feed.mismatches', 0, tags=TAGS, count=1)
    # The one hourly ODRE request serves the borders and the comparison alike.
    assert [server.count(feed) for feed in ('mix', 'co2', 'odre')] == [1, 1, 1]


def test_two_fuels_swapped_in_the_xml_give_a_warning_naming_both_with_both_values(
    make_check, dd_run_check, aggregator, server
):
    server.serve('mix', mix_answer(relabelled({'Gaz': 'Fioul', 'Fioul': 'Gaz'})))

    run(make_check(), dd_run_check, aggregator)

    assert consistency(aggregator) == (
        AgentCheck.WARNING,
        'éCO2mix and ODRE differ on 2 of 25 series for 2023-09-22 02:00 Paris: '
        'gas: éCO2mix 110, ODRE 501 (gaz); oil: éCO2mix 501, ODRE 110 (fioul)',
    )
    aggregator.assert_metric('elec_france.feed.mismatches', 2, tags=TAGS, count=1)


def test_a_renamed_core_label_fails_ecomix_odre_serves_and_the_diagnosis_names_the_odre_field(
    make_check, dd_run_check, aggregator, server
):
    server.serve('mix', mix_answer(relabelled({'Solde': EXCHANGE_RENAMED})))
    check = make_check()

    run(check, dd_run_check, aggregator)

    warnings = check.get_warnings()
    assert warnings == [
        "éCO2mix type=mix: 2 row(s) of unknown series ignored: 'Ech. physiques'",  # one a day
        'éCO2mix failed (eco2mix: éCO2mix type=mix answer unusable: no complete quarter-hour: no usable value for '
        "exchange ('Solde')); the figures come from ODRE, about an hour later",
        f'éCO2mix type=mix: {DIAGNOSIS}',
    ]
    [can_connect] = aggregator.service_checks('elec_france.can_connect')
    assert (can_connect.status, can_connect.tags, can_connect.message) == (AgentCheck.WARNING, TAGS, warnings[1])
    aggregator.assert_metric('elec_france.exchange.balance', -14141, tags=[*TAGS, 'feed:odre'], count=1)
    assert consistency(aggregator) == (
        AgentCheck.WARNING,
        # 24: no CO2 (type=co2 is asked after a usable type=mix answer only)
        "éCO2mix and ODRE differ on 1 of 24 series for 2023-09-22 02:00 Paris: exchange: éCO2mix none (no 'Solde' "
        f'value), ODRE -14141 (ech_physiques); {DIAGNOSIS}',
    )
    aggregator.assert_metric('elec_france.feed.mismatches', 1, tags=TAGS, count=1)
    # ODRE's fallback answer served the hourly reading too: one request, not two.
    assert server.count('odre') == 1


def test_the_renamed_label_mapped_with_label_overrides_gives_ecomix_figures_again(
    make_check, dd_run_check, aggregator, server
):
    server.serve('mix', mix_answer(relabelled({'Solde': EXCHANGE_RENAMED})))
    check = make_check(label_overrides={EXCHANGE_RENAMED: 'exchange'}, grid_details=False, forecasts=False)

    run(check, dd_run_check, aggregator)

    assert check.get_warnings() == []
    assert_current_production(aggregator, 'eco2mix')
    aggregator.assert_metric('elec_france.feed.mismatches', 0, tags=TAGS, count=1)
    aggregator.assert_all_metrics_covered()
    assert consistency(aggregator) == (AgentCheck.OK, '')


def test_an_override_of_a_breakdown_row_by_its_granularite_code(make_check, dd_run_check, aggregator, server):
    rows = tuple((label, 'FIL' if g == 'FEE' else g, field) for label, g, field in MIX_ROWS)
    server.serve('mix', mix_answer(rows))
    check = make_check(label_overrides={'Hydraulique': {'FIL': 'hydro.run_of_river'}}, grid_details=False)

    run(check, dd_run_check, aggregator)

    assert check.get_warnings() == []
    tags = [*TAGS, 'feed:eco2mix', 'fuel:hydro', 'technology:run_of_river']
    aggregator.assert_metric('elec_france.production.breakdown', 2860, tags=tags, count=1)


def test_until_both_feeds_have_a_quarter_hour_in_common_the_service_check_is_unknown(
    make_check, dd_run_check, aggregator, server
):
    server.serve('odre', Answer(b'', 503))

    run(make_check(), dd_run_check, aggregator)

    assert consistency(aggregator) == (
        AgentCheck.UNKNOWN,
        'no quarter-hour published by both éCO2mix and ODRE yet (éCO2mix up to 2023-09-22 02:00 Paris, ODRE none)',
    )
    assert not aggregator.metrics('elec_france.feed.mismatches')  # no comparison, no made-up zero


def test_off_the_service_check_is_unknown_and_no_odre_request_is_made_for_it(
    make_check, dd_run_check, aggregator, server
):
    run(make_check(cross_check=False, grid_details=False), dd_run_check, aggregator)

    assert consistency(aggregator) == (AgentCheck.UNKNOWN, 'cross-checking is off (`cross_check: false`)')
    assert not aggregator.metrics('elec_france.feed.mismatches')
    assert server.count('odre') == 0


def test_without_grid_details_the_same_hourly_odre_request_serves_the_comparison_alone(
    make_check, dd_run_check, aggregator, server
):
    check = make_check(grid_details=False)
    for offset in (0, 15, 60):
        check.clock = lambda offset=offset: GENERATED + offset
        run(check, dd_run_check, aggregator)

    assert server.count('odre') == 1
    assert not aggregator.metrics('elec_france.exchange.commercial')
    aggregator.assert_metric('elec_france.feed.mismatches', 0, tags=TAGS, count=1)


def test_odre_answering_after_ecomix_is_compared_with_the_ecomix_answer_kept(
    make_check, dd_run_check, aggregator, server
):
    server.serve('odre', Answer(b'', 503))
    check = make_check()
    run(check, dd_run_check, aggregator)
    server.serve('odre', fixture('odre_records_2023-09-22.json'))
    check.clock = lambda: GENERATED + 600  # ODRE's backoff is over; éCO2mix is not asked again yet

    run(check, dd_run_check, aggregator)

    assert [server.count(feed) for feed in ('mix', 'odre')] == [1, 2]
    assert consistency(aggregator) == (AgentCheck.OK, '')


def test_a_restart_compares_from_the_cache_without_a_request(make_check, dd_run_check, aggregator, server):
    server.serve('mix', mix_answer(relabelled({'Gaz': 'Fioul', 'Fioul': 'Gaz'})))
    run(make_check(), dd_run_check, aggregator)
    asked = len(server.requests)

    restarted = make_check(now=GENERATED + 15)
    run(restarted, dd_run_check, aggregator)

    assert len(server.requests) == asked
    aggregator.assert_metric('elec_france.feed.mismatches', 2, tags=TAGS, count=1)


@pytest.mark.parametrize('cache', ['{"format": 1}', 'not JSON', '{"format":1,"eco2mix":[],"co2":[],"unknown":[],'])
def test_a_corrupt_cross_check_cache_is_a_fresh_start(make_check, dd_run_check, aggregator, server, cache):
    check = make_check()
    check.check_id = 'elec_france:corrupt'
    check.write_persistent_cache(CROSS_CHECK_KEY, cache)

    run(check, dd_run_check, aggregator)

    assert consistency(aggregator) == (AgentCheck.OK, '')
