"""`elec_france`: France's live electricity mix from RTE's éCO2mix feed, as an Agent check.

The check is the shell around the pure parser: it decides whether to fetch (policy), fetches with
`self.http`, keeps the last good snapshot in the Agent's persistent cache, and submits it.
"""

import time
from datetime import datetime, timedelta

from datadog_checks.base import AgentCheck

from datadog_exercise import __version__
from datadog_exercise.eco2mix import odre, xmlfeed
from datadog_exercise.eco2mix.body import MAX_BYTES
from datadog_exercise.eco2mix.labels import CO2_INTENSITY
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.slots import PARIS, paris_day
from datadog_exercise.eco2mix.snapshot import latest_snapshot, latest_value

from . import policy
from .config import parse_config
from .fetch import FetchError, get_body
from .metrics import snapshot_metrics
from .state import FetchState

STATE_KEY = 'state'
FEED_NAMES = {'eco2mix': 'éCO2mix type=mix', 'odre': 'ODRE'}
ODRE_ROWS = 8  # two hours of quarter-hours, newest first


class ElecFranceCheck(AgentCheck):
    __NAMESPACE__ = 'elec_france'

    def __init__(self, name, init_config, instances):
        super().__init__(name, init_config, instances)
        # Epoch seconds; the tests drive the check with a simulated clock.
        self.clock = time.time
        self.check_initializations.append(self._initialize)

    def _initialize(self):
        self.config = parse_config(self.instance)
        self.state = FetchState.from_json(self.read_persistent_cache(STATE_KEY))

    def check(self, _):
        now = self.clock()
        if policy.fetch_due(self.state, now):
            self.state = self._refresh(now)
            self.write_persistent_cache(STATE_KEY, self.state.to_json())
        self._report(now)

    # ---- fetching ------------------------------------------------------------------------------------------

    def _refresh(self, now):
        feeds = ('eco2mix', 'odre') if self.config.source == 'auto' else (self.config.source,)
        failures, retry_after = [], None
        for feed in feeds:
            try:
                document = self._fetch_eco2mix(now) if feed == 'eco2mix' else self._fetch_odre()
            except FetchError as error:
                failures.append(f'{feed}: {error}')
                retry_after = max(retry_after or 0, error.retry_after or 0) or None
                continue
            state = self.state
            if feed == 'eco2mix' and self.config.co2 and policy.co2_due(state, now):
                state = policy.after_co2(state, now, self._co2_reading(now))
            # ODRE rows carry their own CO2 intensity; éCO2mix's comes from the type=co2 feed.
            snapshot = latest_snapshot(document, co2=state.co2 if feed == 'eco2mix' else None)
            self._warn_about(document, FEED_NAMES[feed])
            if snapshot is None:
                self.warning('the %s answer has no complete quarter-hour', feed)
            fallback = feed == 'odre' and self.config.source == 'auto'
            if fallback:
                self.warning('éCO2mix failed (%s); the figures come from ODRE, about an hour later', failures[0])
            return policy.after_success(state, now, snapshot, as_of=document.generated_at, fallback=fallback)
        return policy.after_failure(self.state, now, '; '.join(failures), retry_after)

    def _fetch_eco2mix(self, now, kind='mix'):
        today = paris_day(datetime.fromtimestamp(now, PARIS))
        params = {
            'type': kind,
            'dateDeb': f'{today - timedelta(days=1):%d/%m/%Y}',
            'dateFin': f'{today:%d/%m/%Y}',
            'mode': 'NORM',
        }
        return self._parsed(xmlfeed.parse, self.config.eco2mix_url, params, f'éCO2mix type={kind}')

    def _fetch_odre(self):
        params = {
            'order_by': 'date_heure desc',
            'limit': ODRE_ROWS,
            'where': 'consommation is not null',
            'timezone': 'Europe/Paris',
        }
        return self._parsed(odre.parse, self.config.odre_url, params, 'ODRE')

    def _parsed(self, parse, url, params, what):
        body = get_body(self.http, url, params, self.config.timeout, MAX_BYTES)
        try:
            return parse(body)
        except FeedError as error:
            raise FetchError(f'{what} answer unusable: {error}') from None

    def _warn_about(self, document, what):
        """What the parser could not use, once the document has been read."""
        for label in sorted(document.unknown_labels):
            self.warning('%s: unknown series %r ignored', what, label)
        if document.problems:
            self.warning('%s: %d value(s) ignored: %s', what, len(document.problems), '; '.join(document.problems[:3]))

    def _co2_reading(self, now):
        """The latest CO2 intensity, or None (with a warning) when the CO2 feed fails: it is not essential."""
        try:
            document = self._fetch_eco2mix(now, kind='co2')
        except FetchError as error:
            self.warning('CO2 intensity not refreshed: %s', error)
            return None
        reading = latest_value(document, CO2_INTENSITY)
        self._warn_about(document, 'éCO2mix type=co2')
        return reading

    # ---- reporting -----------------------------------------------------------------------------------------

    def _report(self, now):
        tags = list(self.config.tags)
        if self.state.last_error:
            self.service_check('can_connect', AgentCheck.CRITICAL, tags=tags, message=self.state.last_error)
        else:
            self.service_check('can_connect', AgentCheck.OK, tags=tags)
        snapshot = self.state.snapshot
        if snapshot is None:
            self.warning('no electricity data yet: nothing has been received from RTE')
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
