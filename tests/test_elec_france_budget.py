"""The request budget on a simulated day: the check run every 15 s (the Agent's default) for 24 hours against real
loopback servers that publish as RTE and ODRE do, restarted once at midday; every feed on, and the national mix
alone with its cross-check (`grid_details` off).

Budget, in steady state and whatever the interval: the national mix as before (one `type=mix` request a
quarter-hour, one `type=co2` a half-hour), at most one ODRE national request an hour (the borders and the
cross-check together: 7 an hour for the national part), one ODRE regional request an hour, and the day-ahead
prices once at start and once a day after the auction."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from datadog_checks.base import AgentCheck

from datadog_exercise.eco2mix.slots import PARIS, paris_day
from datadog_exercise.elec_france.check import ElecFranceCheck

from feedserver import Answer, FeedServer, kind_of
from fixtures.build import (
    CO2_ROWS,
    MIX_ROWS,
    load_figures,
    load_prices,
    market_days,
    odre_answer,
    published,
    regional_answer,
    render_market,
    render_xml,
)

START = datetime(2023, 9, 21, 1, 20, tzinfo=UTC)  # 03:20 Paris: ODRE has published its first quarter-hour
HOURS = 24
INTERVAL = 15  # seconds, the Agent's default
MIX_LAG = timedelta(minutes=20)  # éCO2mix publishes a quarter-hour 20 minutes after it starts
ODRE_LAG = timedelta(minutes=75)  # ODRE, an hour later
AUCTION = 13  # Paris hour from which tomorrow's prices are in the market feed
FEEDS = ('mix', 'co2', 'odre', 'odre_regional', 'market')
NATIONAL = ('mix', 'co2', 'odre')
# One region: a regional request is the same whatever the regions asked for, and each region reported costs this
# test's stub aggregator time that says nothing about requests.
SCENARIOS = {
    'every feed': {'regions': ['bretagne']},
    'national mix and cross-check': {'grid_details': False, 'prices': False},
}


def extended_figures():
    """RTE's figures, 2023-09-21 02:00 to 2023-09-22 02:00 Paris, and the next two hours made of the first two
    (re-dated): the simulated day needs figures up to its end."""
    figures = load_figures()
    for (day, slot), row in list(figures.items()):
        if day == date(2023, 9, 21) and 9 <= slot < 17:
            start = datetime.fromisoformat(row['date_heure']) + timedelta(days=1)
            figures[(day + timedelta(days=1), slot)] = {**row, 'date_heure': start.isoformat()}
    return figures


class Publisher:
    """Answers every feed with what RTE or ODRE had published at the simulated instant."""

    def __init__(self):
        self.now = START.timestamp()
        self.figures = extended_figures()
        self.starts = {key: datetime.fromisoformat(row['date_heure']) for key, row in self.figures.items()}
        self.areas, prices = load_prices()
        recorded = market_days(prices)  # 13 to 15 April 2024, re-dated
        self.prices = {date(2023, 9, 21) + timedelta(days=n): recorded[day] for n, day in enumerate(sorted(recorded))}
        self.answers = {}

    @property
    def instant(self):
        return datetime.fromtimestamp(self.now, UTC)

    def published(self, lag):
        """The figures of the quarter-hours published `lag` after they start, in time order."""
        return {key: row for key, row in self.figures.items() if self.starts[key] + lag <= self.instant}

    def answer(self, request):
        """The answer to `request`, the same for every request until something new is published."""
        kind = kind_of(request)
        lag = ODRE_LAG if kind.startswith('odre') else MIX_LAG
        latest = max((key for key, start in self.starts.items() if start + lag <= self.instant), default=None)
        key = (kind, tuple(sorted(request.params.items())), latest, self._prices_out())
        if key not in self.answers:
            self.answers[key] = Answer(self._render(kind, request.params, self.published(lag)).encode())
        return self.answers[key]

    def _render(self, kind, params, figures):
        generated = (self.starts[max(figures)] + MIX_LAG).astimezone(UTC).replace(tzinfo=None)
        if kind in ('mix', 'co2'):
            first, last = (datetime.strptime(params[key], '%d/%m/%Y').date() for key in ('dateDeb', 'dateFin'))
            days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
            rows = MIX_ROWS if kind == 'mix' else CO2_ROWS
            return render_xml(days, generated, rows, published(figures, max(figures)))
        if kind == 'odre':
            answer = json.loads(odre_answer(figures))
            records = [record for record in answer['results'] if record.get('consommation') is not None]
            return json.dumps({'total_count': len(records), 'results': records[: int(params['limit'])]})
        if kind == 'odre_regional':
            return regional_answer([(self.starts[key], row) for key, row in list(figures.items())[-8:]])
        today, out = self._prices_out()
        not_out = {period: dict.fromkeys(self.areas, 'ND') for period in range(24)}
        days = {day: self.prices[day] if day <= out else not_out for day in (today, today + timedelta(days=1))}
        return render_market(self.instant.replace(tzinfo=None), self.areas, days)

    def _prices_out(self):
        """(today, the last day whose prices are out) in Paris."""
        today = paris_day(self.instant)
        return today, today + timedelta(days=1 if self.instant.astimezone(PARIS).hour >= AUCTION else 0)


@pytest.fixture(scope='module', params=sorted(SCENARIOS))
def simulated_day(request):
    """Every request of the day, every warning of every run, the requests of the first run after the restart, and
    how many runs said each status of the feeds' consistency."""
    from datadog_checks.base.stubs import aggregator, datadog_agent

    publisher = Publisher()
    warnings = []
    consistency = {}
    datadog_agent.reset()
    with FeedServer(clock=lambda: publisher.now) as server:
        for kind in FEEDS:
            server.serve(kind, publisher.answer)
        instance = {**server.urls, 'timeout': 5, **SCENARIOS[request.param]}

        def started():
            check = ElecFranceCheck('elec_france', {}, [instance])
            check.check_id = 'elec_france:budget'
            check.clock = lambda: publisher.now
            return check

        check = started()
        # An Agent restart at midday, a minute past the hour: no feed is due then (ODRE is asked on the hour or a
        # run after, the mix at 7, 22, 37 and 52 past), so a request in that run would be the restart's.
        restart = HOURS * 3600 // INTERVAL // 2 + 60 // INTERVAL
        for run in range(HOURS * 3600 // INTERVAL):
            if run == restart:
                check = started()  # the persistent cache is all that remains
                before = len(server.requests)
            assert check.run() == ''
            if run == restart:
                after_restart = server.requests[before:]
            warnings += check.get_warnings()
            for service_check in aggregator.service_checks('elec_france.feed_consistency'):
                consistency[service_check.status] = consistency.get(service_check.status, 0) + 1
            aggregator.reset()
            publisher.now += INTERVAL
    return request.param, server.requests, warnings, after_restart, consistency


def per_hour(requests, kind):
    counts = [0] * HOURS
    for request in requests:
        if kind_of(request) == kind:
            counts[int((request.time - START.timestamp()) // 3600)] += 1
    return counts


def test_a_day_at_a_15_s_interval_stays_within_the_request_budget(simulated_day):
    scenario, requests, warnings, _, _ = simulated_day
    counts = {kind: per_hour(requests, kind) for kind in FEEDS}

    assert warnings == []  # every feed answered usable figures all day
    # The national part, the cross-check's ODRE request included: 7 an hour at most.
    national = [sum(counts[kind][hour] for kind in NATIONAL) for hour in range(HOURS)]
    assert max(national) <= 7, national
    if scenario == 'national mix and cross-check':
        assert sum(counts['odre_regional']) == sum(counts['market']) == 0
        assert max(counts['odre']) == 1 and sum(counts['odre']) >= HOURS - 1, counts['odre']
        return
    # The national mix as before: one type=mix request a quarter-hour, one type=co2 a half-hour.
    assert all(count <= 4 for count in counts['mix']) and sum(counts['mix']) >= 4 * HOURS - 1
    assert all(count <= 2 for count in counts['co2']) and sum(counts['co2']) >= 2 * HOURS - 1
    # ODRE: at most one national and one regional request an hour; the fetch times drift by up to 15 s an
    # hour (the first run after the hour), so one clock-hour may see none.
    for kind in ('odre', 'odre_regional'):
        assert max(counts[kind]) == 1 and sum(counts[kind]) >= HOURS - 1, counts[kind]
    # The prices: at start (03:20, today's), and after the auction (14:00, tomorrow's): the next is at 14:00
    # on the 22nd, after the simulated day.
    market = [datetime.fromtimestamp(request.time, PARIS) for request in requests if kind_of(request) == 'market']
    assert [f'{at:%d %H:%M}' for at in market] == ['21 03:20', '21 14:00']
    # In all, at most 6 + 2 an hour besides the prices, whatever the interval (240 runs an hour here).
    totals = [sum(counts[kind][hour] for kind in FEEDS if kind != 'market') for hour in range(HOURS)]
    assert max(totals) <= 8, totals


def test_the_midday_restart_costs_no_request(simulated_day):
    _, _, _, after_restart, _ = simulated_day

    # The restarted check's first run read each feed's schedule and reading from the persistent cache.
    assert after_restart == []


def test_the_feeds_agree_all_day_once_they_have_a_quarter_hour_in_common(simulated_day):
    *_, consistency = simulated_day

    # UNKNOWN only until ODRE's first answer (the first run asks the mix, and ODRE or the prices: one a run).
    assert consistency.get(AgentCheck.WARNING, 0) == 0
    assert consistency.get(AgentCheck.UNKNOWN, 0) <= 1
    assert consistency[AgentCheck.OK] >= HOURS * 3600 // INTERVAL - 1
