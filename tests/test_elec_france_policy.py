"""The fetch policy on a simulated clock: a server that publishes each quarter-hour 20 minutes after
it starts, and the check run every 15 s as the Agent would run it."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from datadog_checks.base import AgentCheck

from datadog_exercise.eco2mix.market import AreaDay, Resolution
from datadog_exercise.eco2mix.model import Snapshot
from datadog_exercise.eco2mix.regional import RegionalQuarterHour
from datadog_exercise.eco2mix.slots import PARIS, Numbering
from datadog_exercise.elec_france import policy
from datadog_exercise.elec_france.check import ElecFranceCheck
from datadog_exercise.elec_france.state import FeedState, FetchState

from feedserver import Answer, FeedServer
from fixtures.build import CO2_ROWS, MIX_ROWS, load_figures, published, render_xml
from support import NATIONAL_ONLY

FIGURES = load_figures()
START = datetime(2023, 9, 21, 16, 0, tzinfo=UTC).timestamp()  # 18:00 Paris; the figures run to 02:00
INTERVAL = 15  # seconds, the Agent's default
LAG = timedelta(minutes=20)


class Simulation:
    """The clock the check and the server share."""

    def __init__(self, now):
        self.now = now

    def publication(self, request):
        """What RTE would answer at `now`: every quarter-hour that started at least 20 minutes ago."""
        latest = datetime.fromtimestamp(self.now, UTC) - LAG
        latest = latest.replace(minute=latest.minute - latest.minute % 15, second=0, microsecond=0).astimezone(PARIS)
        until = (latest.date(), (latest.hour * 60 + latest.minute) // 15)
        first, last = (datetime.strptime(request.params[key], '%d/%m/%Y').date() for key in ('dateDeb', 'dateFin'))
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        rows = CO2_ROWS if request.params['type'] == 'co2' else MIX_ROWS
        generated = datetime.fromtimestamp(self.now, UTC).replace(tzinfo=None)
        return Answer(render_xml(days, generated, rows, published(FIGURES, until)).encode())


@pytest.fixture
def simulation():
    return Simulation(START)


@pytest.fixture
def server(simulation):
    with FeedServer(clock=lambda: simulation.now) as running:
        running.serve('mix', simulation.publication)
        running.serve('co2', simulation.publication)
        yield running


@pytest.fixture
def make_check(server, simulation, datadog_agent):
    def make():
        instance = {'eco2mix_url': server.eco2mix_url, 'source': 'eco2mix', 'timeout': 5, **NATIONAL_ONLY}
        check = ElecFranceCheck('elec_france', {}, [instance])
        check.check_id = 'elec_france:policy'
        check.clock = lambda: simulation.now
        return check

    return make


def run_for(check, simulation, dd_run_check, seconds):
    for _ in range(int(seconds // INTERVAL)):
        dd_run_check(check)
        simulation.now += INTERVAL


def test_steady_state_costs_at_most_6_requests_an_hour_against_240_runs(
    make_check, simulation, server, dd_run_check, aggregator
):
    check = make_check()
    hours = 8

    run_for(check, simulation, dd_run_check, hours * 3600)

    runs_per_hour = 3600 // INTERVAL
    per_hour = [
        sum(1 for r in server.requests if START + h * 3600 <= r.time < START + (h + 1) * 3600) for h in range(hours)
    ]
    assert runs_per_hour == 240  # what a check fetching on every run would cost
    assert per_hour[0] <= 8  # the first hour includes the first fetch of both feeds
    assert all(count <= 6 for count in per_hour[1:]), per_hour
    assert sum(per_hour[1:]) >= 4 * (hours - 1)  # still one mix request per quarter-hour
    # Every quarter-hour was reported, never older than 37 minutes after it started.
    ages = [m.value for m in aggregator.metrics('elec_france.data.age')]
    assert max(ages) <= (37 - 15) * 60
    assert len({round(m.value) for m in aggregator.metrics('elec_france.consumption')}) >= 4 * hours - 2


def test_failures_back_off_exponentially_up_to_15_minutes(make_check, simulation, server, dd_run_check, aggregator):
    server.serve('mix', Answer(b'down', 503))
    check = make_check()

    run_for(check, simulation, dd_run_check, 2 * 3600)

    times = [r.time for r in server.requests]
    gaps = [round(later - earlier) for earlier, later in itertools.pairwise(times)]
    assert gaps[:7] == [60, 120, 240, 480, 900, 900, 900]
    assert all(gap == 900 for gap in gaps[4:])
    statuses = {s.status for s in aggregator.service_checks('elec_france.can_connect')}
    assert statuses == {AgentCheck.CRITICAL}


def test_recovery_resets_the_backoff(make_check, simulation, server, dd_run_check, aggregator):
    server.serve('mix', Answer(b'down', 503))
    check = make_check()
    run_for(check, simulation, dd_run_check, 600)
    server.serve('mix', simulation.publication)

    run_for(check, simulation, dd_run_check, 1800)

    assert check.state.failures == 0 and check.state.last_error is None
    assert aggregator.service_checks('elec_france.can_connect')[-1].status == AgentCheck.OK


def test_a_restart_uses_the_persistent_cache_and_does_not_refetch(
    make_check, simulation, server, dd_run_check, aggregator
):
    first = make_check()
    dd_run_check(first)
    fetched = len(server.requests)
    reported = sorted((m.name, m.value, tuple(m.tags)) for m in aggregator.metrics('elec_france.consumption'))
    aggregator.reset()
    simulation.now += 60

    restarted = make_check()  # a new check object, as after an Agent restart
    dd_run_check(restarted)

    assert fetched == 2 and len(server.requests) == fetched
    assert sorted((m.name, m.value, tuple(m.tags)) for m in aggregator.metrics('elec_france.consumption')) == reported
    assert restarted.state == first.state


def test_a_corrupt_cache_means_a_fresh_start_not_a_crash(make_check, dd_run_check, datadog_agent, server):
    datadog_agent.write_persistent_cache('elec_france:policy_state', '{not json')
    check = make_check()

    dd_run_check(check)

    assert len(server.requests) == 2
    assert check.state.snapshot is not None


def test_state_round_trips_through_json():
    check_state = FetchState(
        next_fetch_at=1695340000.5,
        failures=2,
        last_error='boom',
        co2_fetched_at=1695339000.0,
        co2=(datetime(2023, 9, 22, tzinfo=UTC), 12.0),
    )

    assert FetchState.from_json(check_state.to_json()) == check_state


@pytest.mark.parametrize('failures, delay', [(0, 60), (1, 120), (2, 240), (3, 480), (4, 900), (30, 900)])
def test_backoff_delays(failures, delay):
    state = policy.after_failure(FetchState(failures=failures), 1000.0, 'boom')

    assert state.next_fetch_at == 1000.0 + delay


def test_the_next_fetch_waits_for_the_next_quarter_hour():
    snapshot = Snapshot('eco2mix', datetime(2023, 9, 22, 0, 0, tzinfo=UTC), {})
    now = datetime(2023, 9, 22, 0, 21, tzinfo=UTC).timestamp()

    state = policy.after_success(FetchState(), now, snapshot)

    assert datetime.fromtimestamp(state.next_fetch_at, UTC) == datetime(2023, 9, 22, 0, 37, tzinfo=UTC)


def test_figures_cover_the_simulated_window():
    assert (date(2023, 9, 21), 72) in FIGURES and (date(2023, 9, 22), 8) in FIGURES


# ---- the feeds fetched on their own schedule --------------------------------------------------------------------


def paris(day, hour, minute=0):
    return datetime(2023, 9, day, hour, minute, tzinfo=PARIS).timestamp()


def area_days(*days):
    return tuple(AreaDay('fr', date(2023, 9, day), Resolution.HOURLY, Numbering.WALL_CLOCK, {0: 50.0}) for day in days)


def test_one_scheduled_feed_a_run_the_one_due_the_longest():
    states = {'odre': FeedState(next_fetch_at=100.0), 'market': FeedState(next_fetch_at=50.0)}

    assert policy.next_scheduled_feed(states, 120.0) == 'market'
    assert policy.next_scheduled_feed(states, 75.0) == 'market'
    assert policy.next_scheduled_feed(states, 49.0) is None


@pytest.mark.parametrize(
    'now, held, expected',
    [
        # At start, before the auction: today's prices; ask again at 14:00, for tomorrow's.
        (paris(21, 3, 20), (21,), paris(21, 14)),
        # After the auction with tomorrow's: the next day's are out at 14:00 tomorrow.
        (paris(21, 14), (21, 22), paris(22, 14)),
        # After the auction without tomorrow's: late, ask again in an hour.
        (paris(21, 14, 5), (21,), paris(21, 15, 5)),
        # Today's missing: in an hour.
        (paris(21, 9), (), paris(21, 10)),
        # Tomorrow's already there before the auction (a feed ahead of time): still the next publication, never
        # further than the cache allows, so that a reload does not make it due at once.
        (paris(21, 9), (21, 22), paris(21, 14)),
    ],
    ids=['start', 'after-auction', 'late', 'today-missing', 'early'],
)
def test_the_prices_are_asked_once_a_day_after_the_auction(now, held, expected):
    state = policy.after_scheduled_reading('market', FeedState(), now, area_days(*held) or area_days(20))

    assert state.next_fetch_at == expected
    assert policy.scheduled_within_clock('market', state, now) == state  # a reload keeps that schedule


def test_prices_kept_are_todays_and_tomorrows_merged_with_what_was_held():
    held = FeedState(reading=area_days(20, 21))

    state = policy.after_scheduled_reading('market', held, paris(21, 14), area_days(22))

    assert [area_day.date.day for area_day in state.reading] == [21, 22]


@pytest.mark.parametrize('failures, delay', [(0, 300), (1, 600), (2, 1200), (3, 2400), (4, 3600), (30, 3600)])
def test_a_scheduled_feed_backs_off_up_to_an_hour(failures, delay):
    state = policy.after_scheduled_failure(FeedState(failures=failures), 1000.0, 'boom')

    assert (state.next_fetch_at, state.failures, state.last_error) == (1000.0 + delay, failures + 1, 'boom')


def test_a_scheduled_feed_honours_retry_after_up_to_an_hour():
    asked = policy.not_before(1000.0, 7200.0)

    state = policy.after_scheduled_failure(FeedState(), 1000.0, 'busy', asked)

    assert state.next_fetch_at == 1000.0 + 3600


@pytest.mark.parametrize('feed', ['odre', 'odre_regional'])
def test_an_hourly_feed_that_answered_is_asked_again_in_an_hour(feed):
    reading = Snapshot('odre', datetime(2023, 9, 22, 0, 0, tzinfo=UTC), {})
    if feed == 'odre_regional':
        reading = {'bretagne': RegionalQuarterHour('bretagne', reading.start, {}, 3000.0, None, None)}

    state = policy.after_scheduled_reading(feed, FeedState(failures=3, last_error='x'), 1000.0, reading)

    assert (state.next_fetch_at, state.failures, state.last_error) == (4600.0, 0, None)
