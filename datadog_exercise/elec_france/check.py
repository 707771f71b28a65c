"""`elec_france`: France's live electricity mix from RTE's éCO2mix feed, as an Agent check.

The check is the shell around the pure parser: it decides whether to fetch (policy), fetches with
`self.http` (each fetch held to one deadline and byte cap: fetch.py, transport.py), decides whether
the answer can be reported (answer.py), keeps the last good snapshot in the Agent's persistent cache,
and submits it.
"""

import time
from datetime import datetime, timedelta

from datadog_checks.base import AgentCheck
from datadog_checks.base.utils.http import RequestsWrapper

from datadog_exercise import __version__
from datadog_exercise.eco2mix import odre, xmlfeed
from datadog_exercise.eco2mix.model import ECO2MIX, ODRE, FeedError
from datadog_exercise.eco2mix.slots import PARIS, paris_day
from datadog_exercise.eco2mix.snapshot import with_co2

from . import policy
from .answer import co2_reading, reported_snapshot
from .config import parse_config
from .fetch import FetchError, get_body
from .metrics import snapshot_metrics
from .state import FetchState
from .transport import BudgetedSession

STATE_KEY = 'state'
FEED_NAMES = {ECO2MIX: 'éCO2mix type=mix', ODRE: 'ODRE'}
ODRE_ROWS = 8  # two hours of quarter-hours, newest first
# Bytes one fetch may receive, headers included: a two-day éCO2mix answer is about 100 KB, eight ODRE
# records about 8 KB. The cap is the memory ceiling too: lxml's tree of a 1 MiB body is 35 MiB at most.
MAX_BYTES = {ECO2MIX: 1024 * 1024, ODRE: 256 * 1024}
PROBLEMS_SHOWN = 3


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
            wrapper = RequestsWrapper(
                self.instance or {}, self.init_config, self.HTTP_CONFIG_REMAPPER, self.log, session=BudgetedSession()
            )
            # Chasing a missing intermediate certificate (AIA) opens connections outside any budget: the
            # chain comes from `tls_ca_cert` or `tls_intermediate_ca_certs` instead.
            wrapper.aia_chasing_max_depth = 0
            self._budgeted_http = wrapper
        return self._budgeted_http

    def _initialize(self):
        self.config = parse_config(self.instance)
        self.http  # noqa: B018 - the wrapper checks its own options (proxy, tls_*, auth) now, not in a fetch
        self.state = FetchState.from_json(self.read_persistent_cache(STATE_KEY))

    def check(self, _):
        now = self.clock()
        self.state = policy.within_clock(self.state, now)
        if policy.fetch_due(self.state, now):
            self.state = self._refresh(now)
            self.write_persistent_cache(STATE_KEY, self.state.to_json())
        self._report(now)

    # ---- fetching ------------------------------------------------------------------------------------------

    def _refresh(self, now):
        feeds = (ECO2MIX, ODRE) if self.config.source == 'auto' else (self.config.source,)
        failures, retry_at = [], None
        for feed in feeds:
            try:
                snapshot, as_of = self._fetch_snapshot(feed, now)
            except FetchError as error:
                failures.append(f'{feed}: {error}')
                asked = policy.not_before(now, error.retry_after)
                retry_at = max((at for at in (retry_at, asked) if at is not None), default=None)
                continue
            state = self.state
            if feed == ECO2MIX and self.config.co2:
                if policy.co2_due(state, now):
                    state = policy.after_co2(state, now, self._co2_reading(now))
                snapshot = with_co2(snapshot, state.co2)
            fallback = feed == ODRE and self.config.source == 'auto'
            if fallback:
                self.warning('éCO2mix failed (%s); the figures come from ODRE, about an hour later', failures[0])
            return policy.after_success(state, now, snapshot, as_of=as_of, fallback=fallback, retry_at=retry_at)
        return policy.after_failure(self.state, now, '; '.join(failures), retry_at)

    def _fetch_snapshot(self, feed, now):
        """(snapshot, generation time) of the feed's latest answer, or FetchError when it has none to report."""
        document = self._fetch_eco2mix(now) if feed == ECO2MIX else self._fetch_odre()
        try:
            return reported_snapshot(document, now), document.generated_at
        except FeedError as error:
            raise FetchError(f'{FEED_NAMES[feed]} answer unusable: {error}') from None
        finally:
            self._warn_about(document, FEED_NAMES[feed])

    def _fetch_eco2mix(self, now, kind='mix'):
        today = paris_day(datetime.fromtimestamp(now, PARIS))
        params = {
            'type': kind,
            'dateDeb': f'{today - timedelta(days=1):%d/%m/%Y}',
            'dateFin': f'{today:%d/%m/%Y}',
            'mode': 'NORM',
        }
        return self._parsed(xmlfeed.parse, ECO2MIX, params, f'éCO2mix type={kind}')

    def _fetch_odre(self):
        params = {
            'order_by': 'date_heure desc',
            'limit': ODRE_ROWS,
            'where': 'consommation is not null',
            'timezone': 'Europe/Paris',
        }
        return self._parsed(odre.parse, ODRE, params, 'ODRE')

    def _parsed(self, parse, feed, params, what):
        endpoint = self.config.eco2mix if feed == ECO2MIX else self.config.odre
        body = get_body(self.http, endpoint.url, params, self.config.timeout, MAX_BYTES[feed], endpoint.auth)
        try:
            return parse(body, MAX_BYTES[feed])
        except FeedError as error:
            raise FetchError(f'{what} answer unusable: {error}') from None

    def _warn_about(self, document, what):
        """What the parser could not use, once the document has been read: one warning per kind, bounded."""
        unknown = document.unknown_labels
        if unknown:
            named = ', '.join(unknown.first) + (', ...' if unknown.more else '')
            self.warning('%s: %d row(s) of unknown series ignored: %s', what, unknown.count, named)
        problems = document.problems
        if problems:
            shown_problems = '; '.join(problems.first[:PROBLEMS_SHOWN])
            more = '; ...' if problems.count > PROBLEMS_SHOWN else ''
            self.warning('%s: %d value(s) ignored: %s%s', what, problems.count, shown_problems, more)

    def _co2_reading(self, now):
        """The latest CO2 intensity, or None (with a warning) when the CO2 feed fails: it is not essential."""
        try:
            document = self._fetch_eco2mix(now, kind='co2')
        except FetchError as error:
            self.warning('CO2 intensity not refreshed: %s', error)
            return None
        try:
            return co2_reading(document, now)
        except FeedError as error:
            self.warning('CO2 intensity not refreshed: éCO2mix type=co2 answer unusable: %s', error)
            return None
        finally:
            self._warn_about(document, 'éCO2mix type=co2')

    # ---- reporting -----------------------------------------------------------------------------------------

    def _report(self, now):
        tags = list(self.config.tags)
        if self.state.last_error:
            self.service_check('can_connect', AgentCheck.CRITICAL, tags=tags, message=self.state.last_error)
        else:
            self.service_check('can_connect', AgentCheck.OK, tags=tags)
        snapshot = self.state.snapshot
        if snapshot is None:
            self.warning('no electricity data yet: nothing usable has been received from RTE')
            return
        reference = now
        if self.config.clock == 'document' and self.state.as_of is not None:
            reference = self.state.as_of.timestamp()
        age = reference - snapshot.end.timestamp()
        tags.append(f'feed:{snapshot.feed}')
        self.gauge('data.age', age, tags=tags)
        if age > self.config.max_data_age:
            self.warning(
                'the latest quarter-hour (%s to %s Paris time) ended %s ago, more than max_data_age (%s): '
                'production is not reported as current',
                f'{snapshot.start.astimezone(PARIS):%Y-%m-%d %H:%M}',
                f'{snapshot.end.astimezone(PARIS):%H:%M}',
                timedelta(seconds=int(age)),
                timedelta(seconds=self.config.max_data_age),
            )
            return
        for name, value, extra_tags in snapshot_metrics(snapshot):
            self.gauge(name, value, tags=tags + extra_tags)


__all__ = ['ElecFranceCheck', '__version__']
