"""`elec_france`: France's live electricity mix from RTE's éCO2mix feed, as an Agent check.

The check is the shell around the pure parsers: it decides which feed to fetch (policy), fetches with
`self.http` (each fetch held to one deadline and byte cap: fetch.py, transport.py; every request built
in feeds.py), decides what of an answer can be reported (answer.py), keeps what it read in the Agent's
persistent cache (state.py), and submits it (metrics.py).
"""

import time
from datetime import UTC, datetime, timedelta

from datadog_checks.base import AgentCheck

from datadog_exercise import __version__
from datadog_exercise.eco2mix import market
from datadog_exercise.eco2mix.model import ODRE, FeedError
from datadog_exercise.eco2mix.slots import PARIS
from datadog_exercise.eco2mix.snapshot import with_co2

from . import crosscheck, feeds, policy
from .answer import co2_reading, odre_reading, parsed, prices_reading, regional_reading, reported_snapshot
from .config import parse_config
from .fetch import FetchError, budgeted_http, get_body
from .metrics import DETAILS, FORECAST, MIX, price_metrics, regional_metrics, snapshot_metrics
from .state import FeedState, FetchState, Verification

STATE_KEY = 'state'
CROSS_CHECK_KEY = 'cross_check'
PROBLEMS_SHOWN = 3
# ODRE publishes an hour or two after éCO2mix and is fetched hourly: its figures are reported while younger
# than max_data_age plus this.
ODRE_LAG_SECONDS = 2 * 3600
# A service check's status for each verdict of the comparison of éCO2mix with ODRE.
CONSISTENCY = {
    crosscheck.OK: AgentCheck.OK,
    crosscheck.WARNING: AgentCheck.WARNING,
    crosscheck.UNKNOWN: AgentCheck.UNKNOWN,
}


class ElecFranceCheck(AgentCheck):
    __NAMESPACE__ = 'elec_france'

    def __init__(self, name, init_config, instances):
        super().__init__(name, init_config, instances)
        # Epoch seconds; the tests drive the check with a simulated clock.
        self.clock = time.time
        self.check_initializations.append(self._initialize)

    @property
    def http(self):
        """The Agent's requests wrapper, built from the instance as AgentCheck.http builds it (every proxy,
        TLS and auth option applies), on a session that holds each fetch to its budget (transport.py)."""
        if getattr(self, '_budgeted_http', None) is None:
            self._budgeted_http = budgeted_http(self.instance or {}, self.init_config, self.log)
        return self._budgeted_http

    def _initialize(self):
        self.config = parse_config(self.instance)
        if isinstance(self.config.clock, datetime):
            self.clock = self.config.clock.timestamp  # a replay, run as at its recording
        self.http  # noqa: B018 - the wrapper checks its own options (proxy, tls_*, auth) now, not in a fetch
        self.state = FetchState.from_json(self._saved(STATE_KEY))
        self.scheduled = {
            feed: FeedState.from_json(feed, self._saved(feed)) for feed in feeds.scheduled_feeds(self.config)
        }
        if feeds.ODRE_REGIONAL in self.scheduled:
            self.scheduled[feeds.ODRE_REGIONAL] = policy.with_regions(
                self.scheduled[feeds.ODRE_REGIONAL], self.config.regions
            )
        self.verification = Verification()
        if self.config.cross_check:
            self.verification = Verification.from_json(self._saved(CROSS_CHECK_KEY))

    def _saved(self, key):
        """The persistent cache's text at `key`, or '' (a fresh start) when the Agent cannot give it.

        The Agent's read_persistent_cache raises RuntimeError('failed to read data') for an entry it cannot read
        (a folder, no permission) and UnicodeDecodeError for one that is not UTF-8 (rtloader's datadog_agent.c);
        raised here, the check's initialization would fail again on every run until someone deleted the file.
        """
        try:
            return self.read_persistent_cache(key)
        except (RuntimeError, UnicodeDecodeError) as error:
            self.warning('The saved %s could not be read (%s): starting afresh', key, type(error).__name__)
            return ''

    def check(self, _):
        now = self.clock()
        self.answers = {}  # this run's parsed answers, by feed: what the cross-check reads
        self.state = policy.within_clock(self.state, now)
        if policy.fetch_due(self.state, now):
            self.state = self._refresh(now)
            self.write_persistent_cache(STATE_KEY, self.state.to_json())
        self.scheduled = {
            feed: policy.scheduled_within_clock(feed, state, now) for feed, state in self.scheduled.items()
        }
        feed = policy.next_scheduled_feed(self.scheduled, now)
        if feed is not None:
            self.scheduled[feed] = self._refresh_scheduled(feed, now)
            self.write_persistent_cache(feed, self.scheduled[feed].to_json(feed))
        if self.config.cross_check:
            self._verify(now)
        self._report(now)

    # ---- fetching ------------------------------------------------------------------------------------------

    def _refresh(self, now):
        national = feeds.national_feeds(self.config)
        failures, retry_at = [], None
        for feed in national:
            try:
                snapshot, as_of = self._fetch_snapshot(feed, now)
            except FetchError as error:
                failures.append(f'{_tag(feed)}: {error}')
                asked = policy.not_before(now, error.retry_after)
                retry_at = max((at for at in (retry_at, asked) if at is not None), default=None)
                continue
            state = self.state
            if feed == feeds.ECO2MIX_MIX and self.config.co2:
                if policy.co2_due(state, now):
                    state = policy.after_co2(state, now, self._co2_reading(now))
                snapshot = with_co2(snapshot, state.co2)
            fallback = None
            if feed == feeds.ODRE and len(national) > 1:
                fallback = f'éCO2mix failed ({failures[0]}); the figures come from ODRE, about an hour later'
                self.warning('%s', fallback)
            return policy.after_success(state, now, snapshot, as_of=as_of, fallback=fallback, retry_at=retry_at)
        return policy.after_failure(self.state, now, '; '.join(failures), retry_at)

    def _fetch_snapshot(self, feed, now):
        """(snapshot, generation time) of the feed's latest answer, or FetchError when it has none to report."""
        document = self._parsed(feed, now)
        try:
            return reported_snapshot(document, now), document.generated_at
        except FeedError as error:
            raise FetchError(f'{feeds.WHAT[feed]} answer unusable: {error}') from None
        finally:
            self._warn_about(feeds.WHAT[feed], document.unknown_labels, document.problems)

    def _parsed(self, feed, now):
        """The parsed answer of `feed`, or FetchError when it cannot be fetched or parsed."""
        request = feeds.request(feed, self.config, now)
        endpoint = request.endpoint
        body = get_body(self.http, endpoint.url, request.params, self.config.timeout, request.max_bytes, endpoint.auth)
        try:
            self.answers[feed] = parsed(feed, body, self.config)
        except FeedError as error:
            raise FetchError(f'{request.what} answer unusable: {error}') from None
        return self.answers[feed]

    def _warn_about(self, what, unknown, problems):
        """What the parser could not use, once the answer has been read: one warning per kind, bounded."""
        if unknown:
            named = ', '.join(unknown.first) + (', ...' if unknown.more else '')
            self.warning('%s: %d row(s) of unknown series ignored: %s', what, unknown.count, named)
        if problems:
            shown_problems = '; '.join(problems.first[:PROBLEMS_SHOWN])
            more = '; ...' if problems.count > PROBLEMS_SHOWN else ''
            self.warning('%s: %d value(s) ignored: %s%s', what, problems.count, shown_problems, more)

    def _co2_reading(self, now):
        """The latest CO2 intensity, or None (with a warning) when the CO2 feed fails: it is not essential."""
        try:
            document = self._parsed(feeds.ECO2MIX_CO2, now)
        except FetchError as error:
            self.warning('CO2 intensity not refreshed: %s', error)
            return None
        try:
            return co2_reading(document, now)
        except FeedError as error:
            self.warning('CO2 intensity not refreshed: éCO2mix type=co2 answer unusable: %s', error)
            return None
        finally:
            self._warn_about(feeds.WHAT[feeds.ECO2MIX_CO2], document.unknown_labels, document.problems)

    def _refresh_scheduled(self, feed, now):
        """The state of `feed` after fetching it: a failure is a warning, never an outage of the national mix."""
        what = feeds.WHAT[feed]
        state = self.scheduled[feed]
        # ODRE's fallback answer, when éCO2mix failed this run, is the same request: it serves here too.
        fetched = feed in self.answers
        try:
            answer = self.answers[feed] if fetched else self._parsed(feed, now)
            try:
                reading = self._reading(feed, answer, now, warned=fetched)
            except FeedError as error:
                raise FetchError(f'{what} answer unusable: {error}') from None
        except FetchError as error:
            self.warning('%s not refreshed: %s', what, error)
            return policy.after_scheduled_failure(state, now, str(error), policy.not_before(now, error.retry_after))
        return policy.after_scheduled_reading(feed, state, now, reading)

    def _reading(self, feed, answer, now, warned=False):
        """What a scheduled feed's answer gives (answer.py), its unusable parts said in warnings (unless `warned`
        already: the answer served the national mix first)."""
        what = feeds.WHAT[feed]
        if feed == feeds.ODRE:
            if not warned:
                self._warn_about(what, answer.unknown_labels, answer.problems)
            return odre_reading(answer, now)
        if feed == feeds.ODRE_REGIONAL:
            self._warn_about(what, answer.unknown_fields, answer.problems)
            unknown = answer.unknown_regions
            if unknown:
                named = ', '.join(unknown.first) + (', ...' if unknown.more else '')
                self.warning('%s: %d record(s) of unknown regions ignored: %s', what, unknown.count, named)
            reading = regional_reading(answer, now, self.config.regions)
            if missing := [slug for slug in self.config.regions if slug not in reading]:
                self.warning('%s: no usable quarter-hour for %s in the answer', what, ', '.join(missing))
            return reading
        self._warn_about(what, answer.unknown_areas, answer.problems)
        return prices_reading(answer, now)

    def _verify(self, now):
        """Keep this run's answers in the cross-check's windows; say what unknown éCO2mix rows most likely are."""
        verification = crosscheck.updated(self.verification, self.answers, now)
        if verification != self.verification:
            self.verification = verification
            self.write_persistent_cache(CROSS_CHECK_KEY, verification.to_json())
        if feeds.ECO2MIX_MIX in self.answers:
            for line in crosscheck.diagnosis(verification):
                self.warning('éCO2mix type=mix: %s', line)

    # ---- reporting -----------------------------------------------------------------------------------------

    def _report(self, now):
        tags = list(self.config.tags)
        if self.state.degraded:
            self.service_check('can_connect', AgentCheck.WARNING, tags=tags, message=self.state.last_error)
        elif self.state.last_error:
            self.service_check('can_connect', AgentCheck.CRITICAL, tags=tags, message=self.state.last_error)
        else:
            self.service_check('can_connect', AgentCheck.OK, tags=tags)
        reference = now
        if self.config.clock == 'document' and self.state.as_of is not None:
            reference = self.state.as_of.timestamp()
        snapshot = self.state.snapshot
        if snapshot is None:
            self.warning('no electricity data yet: nothing usable has been received from RTE')
        else:
            parts = [MIX]
            if self.config.forecasts:
                parts.append(FORECAST)
            # Served by ODRE, the national quarter-hour carries the details itself, with the same age.
            if self.config.grid_details and snapshot.feed == ODRE:
                parts.append(DETAILS)
            self._report_snapshot(snapshot, parts, reference, self.config.max_data_age, 'production is')
        if self.config.grid_details and feeds.ODRE in self.scheduled and (snapshot is None or snapshot.feed != ODRE):
            reading = self.scheduled[feeds.ODRE].reading
            if reading is not None:
                limit = self.config.max_data_age + ODRE_LAG_SECONDS
                what = 'the borders, batteries and wind split are'
                self._report_snapshot(reading, [DETAILS], reference, limit, what)
        if feeds.ODRE_REGIONAL in self.scheduled:
            self._report_regions(reference)
        if feeds.MARKET in self.scheduled:
            self._report_prices(reference)
        self._report_consistency()

    def _report_consistency(self):
        verdict = crosscheck.verdict(self.verification) if self.config.cross_check else crosscheck.OFF
        tags = list(self.config.tags)
        self.service_check('feed_consistency', CONSISTENCY[verdict.status], tags=tags, message=verdict.message)
        if verdict.mismatches is not None:
            self.gauge('feed.mismatches', verdict.mismatches, tags=tags)

    def _report_snapshot(self, snapshot, parts, reference, limit, what):
        tags = [*self.config.tags, f'feed:{snapshot.feed}']
        if self._current(snapshot, reference, limit, tags, what):
            for name, value, extra_tags in snapshot_metrics(snapshot, parts):
                self.gauge(name, value, tags=tags + extra_tags)

    def _report_regions(self, reference):
        limit = self.config.max_data_age + ODRE_LAG_SECONDS
        for slug, quarter_hour in sorted((self.scheduled[feeds.ODRE_REGIONAL].reading or {}).items()):
            tags = [*self.config.tags, f'feed:{feeds.ODRE_REGIONAL}', f'region:{slug}']
            if self._current(quarter_hour, reference, limit, tags, f"{slug}'s figures are"):
                for name, value, extra_tags in regional_metrics(quarter_hour):
                    self.gauge(name, value, tags=[*self.config.tags, f'feed:{feeds.ODRE_REGIONAL}', *extra_tags])

    def _report_prices(self, reference):
        held = self.scheduled[feeds.MARKET].reading or ()
        prices = market.prices_at(held, datetime.fromtimestamp(reference, UTC))
        if not prices:
            days = ', '.join(sorted({f'{area_day.date}' for area_day in held})) or 'none'
            self.warning('no day-ahead price for the current hour (prices held for: %s)', days)
        for name, value, extra_tags in price_metrics(prices):
            self.gauge(name, value, tags=[*self.config.tags, f'feed:{feeds.MARKET}', *extra_tags])

    def _current(self, reading, reference, limit, tags, what):
        """Submit the reading's `data.age`; whether it is young enough to report, with a warning when it is not."""
        age = reference - reading.end.timestamp()
        self.gauge('data.age', age, tags=tags)
        if age <= limit:
            return True
        self.warning(
            'the latest quarter-hour (%s to %s Paris time) ended %s ago, more than %s (%s): %s not reported as current',
            f'{reading.start.astimezone(PARIS):%Y-%m-%d %H:%M}',
            f'{reading.end.astimezone(PARIS):%H:%M}',
            timedelta(seconds=int(age)),
            'max_data_age' if limit == self.config.max_data_age else "max_data_age and ODRE's lag",
            timedelta(seconds=limit),
            what,
        )
        return False


def _tag(feed):
    """The `feed:` tag value of a national feed: `eco2mix` or `odre`."""
    return 'eco2mix' if feed == feeds.ECO2MIX_MIX else feed


__all__ = ['ElecFranceCheck', '__version__']
