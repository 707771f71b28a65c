"""Run the real checks on a simulated clock and keep what they submit in a MetricStore.

Each check is built from the shipped conf.d instance and run at that instance's interval. The
submissions are read from `datadog_checks.base`'s stub aggregator (the one a check submits to outside
the Agent), stamped with the simulated time and the host as a `host:` tag, as the Agent would send them.

- elec_france: the recorded éCO2mix answers are served over loopback HTTP, each request answered with
  what RTE had published at the simulated instant (`publication.Recording`), and ODRE's national and
  regional records as ODRE had them (`publication.OdreRecords`, an hour and a quarter later), with the
  day-ahead prices; every option on, every region. The check's own fetch policy, persistent cache and
  data-age reasoning run unchanged.
- random_number: its generator is seeded, so the series is the same at every run.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import paths
from ..eco2mix.labels import CORE_SERIES
from ..eco2mix.snapshot import quarter_hours
from ..elec_france.feeds import ODRE_ROWS, REGIONAL_ROWS
from ..runner import confd
from .publication import OdreRecords, Recording

RANDOM_NUMBER_SEED = 2023


class CheckRunError(Exception):
    pass


@dataclass(frozen=True)
class Runs:
    """What was run: from `first` to `last` (UTC), every `interval` seconds, and the metrics submitted."""

    check: str
    first: datetime
    last: datetime
    interval: int
    metrics: frozenset[str]
    publication_delay: timedelta | None = None  # elec_france: how long after its start a quarter-hour appears


def shipped_instance(name):
    """The first instance of the check's shipped configuration."""
    return confd.read_confd(paths.confd()).scheduled(name)[0].instances[0]


@dataclass(frozen=True)
class Recordings:
    """What the elec_france runs are served: éCO2mix's `type=mix` and `type=co2` answers, ODRE's national and
    regional records, and a day-ahead prices answer (bytes each)."""

    mix: bytes
    co2: bytes
    odre: bytes
    odre_regional: bytes
    market: bytes


def run_elec_france(store, recordings, host, hours=24):
    """Runs through the `hours` before the recording's generation (fewer when a recording starts later)."""
    from ..elec_france.check import ElecFranceCheck
    from ..elec_france.replay import ReplayServer

    mix, co2 = Recording(recordings.mix), Recording(recordings.co2)
    national, regional = OdreRecords(recordings.odre), OdreRecords(recordings.odre_regional)
    delay = mix.publication_delay()
    if delay is None:
        raise CheckRunError(
            'the type=mix recording needs a date_actuelle and a complete quarter-hour: without them, '
            'when each quarter-hour was published is unknown'
        )
    complete = [start for start, values in quarter_hours(mix.document) if set(CORE_SERIES) <= values.keys()]
    # From when every feed had published something: before, the check would rightly warn that ODRE has nothing.
    first = max(complete[0] + delay, national.first_published, regional.first_published)
    instance = shipped_instance('elec_france')
    interval = instance['min_collection_interval']
    metrics = set()
    # ReplayServer answers from this mapping at each request: the loop below fills it for the instant.
    answers = {'mix': mix.body, 'co2': co2.body, 'odre': b'', 'odre_regional': b'', 'market': recordings.market}
    _fresh_agent()
    with ReplayServer(answers) as server:
        options = {name: value for name, value in server.instance_options().items() if name != 'clock'}
        check = ElecFranceCheck('elec_france', {}, [{**instance, **options, 'co2': True}])
        check.check_id = 'elec_france:preview'
        start = max(first, mix.generated_at - timedelta(hours=hours))
        instants = run_instants(start, mix.generated_at, interval)
        for instant in instants:
            answers['mix'] = mix.answer_at(instant, delay)
            answers['co2'] = co2.answer_at(instant, delay)
            answers['odre'] = national.answer_at(instant, ODRE_ROWS)
            answers['odre_regional'] = regional.answer_at(instant, REGIONAL_ROWS)
            check.clock = instant.timestamp
            metrics |= _run(check, store, instant, host)
    return Runs('elec_france', instants[0], instants[-1], interval, frozenset(metrics), delay)


def run_random_number(store, host, end, hours=6, seed=RANDOM_NUMBER_SEED):
    """Runs through the `hours` before `end`, with a seeded generator."""
    from ..checks.random_number import RandomNumberCheck

    instance = shipped_instance('random_number')
    _fresh_agent()
    check = RandomNumberCheck('random_number', {}, [instance])
    check.check_id = 'random_number:preview'
    check.rng.seed(seed)
    interval = instance['min_collection_interval']
    instants = run_instants(end - timedelta(hours=hours), end, interval)
    metrics = set()
    for instant in instants:
        metrics |= _run(check, store, instant, host)
    return Runs('random_number', instants[0], instants[-1], interval, frozenset(metrics))


def run_instants(start, end, interval):
    """Every `interval` seconds back from `end`, not before `start`, in time order."""
    count = int((end - start).total_seconds() // interval)
    return [end - timedelta(seconds=interval * step) for step in range(count, -1, -1)]


def _fresh_agent():
    """Forget what earlier runs left in the stubs: submissions, and the persistent cache of the last replay."""
    from datadog_checks.base.stubs import aggregator, datadog_agent

    aggregator.reset()
    datadog_agent.reset()


def _run(check, store, instant, host):
    """One run at `instant`; its submissions go to `store`. Returns the names of the metrics submitted."""
    from datadog_checks.base.stubs import aggregator

    error = check.run()
    # A warning means the run is not what a healthy Agent would see: the preview would mislead.
    problems = [error] if error else check.get_warnings()
    if problems:
        raise CheckRunError(f'{check.name} at {instant:%Y-%m-%d %H:%M:%S} UTC: {"; ".join(problems)}')
    names = set(aggregator.metric_names)
    for name in names:
        for sample in aggregator.metrics(name):
            store.add(name, instant.timestamp(), sample.value, [*sample.tags, f'host:{host}'])
    aggregator.reset()
    return names
