"""Benchmark of the elec_france parser, of a cached check run and of the fetch policy.

Run: .venv/bin/python benchmarks/elec_france.py

Every figure is measured in this run and given as a ratio to a baseline measured in the same run:
- parse + extract of the reported snapshot, against a raw `lxml.etree.fromstring` of the same bytes
  (goal: at most 1.3x), the same with the cross-check's window of the answer (issue 11: what a type=mix
  fetch costs more), and a plain ElementTree "last value of each series" parser;
- peak memory of each, in a fresh interpreter;
- a check run served from the cache (goal: under 1 ms), against the same run that fetches;
- requests per hour under the fetch policy on a simulated clock, against a check fetching every run;
- one check run against each hostile server of tests/test_elec_france_hostile_http.py (answers, and what
  comes before them: TLS handshakes, proxy tunnels, SOCKS proxies) and a few answers made to cost memory,
  each in a fresh interpreter: its peak memory (VmHWM) against a normal run's, and
  its wall-clock time against `timeout` (issue 10: the memory ceiling and the timeout + 1 s per fetch).
"""

import json
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tests'))

from datadog_exercise.eco2mix import xmlfeed  # noqa: E402
from datadog_exercise.eco2mix.snapshot import latest_snapshot  # noqa: E402
from datadog_exercise.elec_france import crosscheck, feeds  # noqa: E402
from datadog_exercise.elec_france.state import Verification  # noqa: E402

from fixtures.build import MIX_ROWS, load_figures, pooled, render_xml  # noqa: E402
from support import NATIONAL_ONLY  # noqa: E402

LAST_DAY = date(2023, 9, 22)
GENERATED = datetime(2023, 9, 22, 9, 21, 9, tzinfo=UTC).timestamp()  # the documents' date_actuelle


def document(days):
    """An éCO2mix answer of `days` days in RTE's layout, RTE's figures laid in order; the last day partial."""
    dates = [LAST_DAY - timedelta(days=n) for n in reversed(range(days))]
    slots = {day: 96 for day in dates} | {LAST_DAY: 45}
    generated = datetime.fromtimestamp(GENERATED, UTC).replace(tzinfo=None)
    return render_xml(dates, generated, MIX_ROWS, pooled(load_figures(), slots)).encode()


def raw_lxml(body):
    return etree.fromstring(body)


def ours(body):
    return latest_snapshot(xmlfeed.parse(body))


def ours_with_cross_check(body):
    """What a type=mix fetch does with cross_check on: the snapshot, and the answer's window kept for the comparison."""
    document = xmlfeed.parse(body)
    latest_snapshot(document)
    return crosscheck.updated(Verification(), {feeds.ECO2MIX_MIX: document}, GENERATED)


def elementtree_last_values(body):
    """What simple public parsers do: the last <valeur> of each row of the last day (wrong on ND and gaps)."""
    root = ElementTree.fromstring(body)
    last_day = root.findall('mixtr')[-1]
    return {(row.get('v'), row.get('granularite')): row.findall('valeur')[-1].text for row in last_day.iter('type')}


def timed(function, body):
    started = time.perf_counter()
    function(body)
    return time.perf_counter() - started


def compare(body, repeats):
    candidates = {
        'raw lxml.etree.fromstring': raw_lxml,
        'parse + snapshot (ours)': ours,
        'the same + cross-check window': ours_with_cross_check,
        'ElementTree last values': elementtree_last_values,
    }
    samples = {name: [] for name in candidates}
    for _ in range(repeats):  # interleaved, so that the machine's load weighs on all of them alike
        for name, function in candidates.items():
            samples[name].append(timed(function, body))
    return {name: (statistics.median(values), min(values)) for name, values in samples.items()}


# VmHWM is this process's own peak: ru_maxrss would start from the parent's peak after fork.
PEAK_SCRIPT = """
import sys
def peak_kib():
    return int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])
sys.path[:0] = [{root!r}, {tests!r}]
import xml.etree.ElementTree as ElementTree
from lxml import etree
from datadog_exercise.eco2mix import xmlfeed
from datadog_exercise.eco2mix.snapshot import latest_snapshot
from datadog_exercise.elec_france import crosscheck, feeds
from datadog_exercise.elec_france.state import Verification
body = open({path!r}, 'rb').read()
before = peak_kib()
{call}
print(peak_kib() - before)
"""
PEAK_CALLS = {
    'raw lxml.etree.fromstring': 'root = etree.fromstring(body)',
    'parse + snapshot (ours)': 'document = xmlfeed.parse(body); snapshot = latest_snapshot(document)',
    'the same + cross-check window': 'document = xmlfeed.parse(body); snapshot = latest_snapshot(document); '
    f'kept = crosscheck.updated(Verification(), {{feeds.ECO2MIX_MIX: document}}, {GENERATED})',
    'ElementTree last values': 'root = ElementTree.fromstring(body)',
}


def peak_memory_kib(body, tmp):
    path = tmp / f'document-{len(body)}.xml'
    path.write_bytes(body)
    peaks = {}
    for name, call in PEAK_CALLS.items():
        script = PEAK_SCRIPT.format(root=str(ROOT), tests=str(ROOT / 'tests'), path=str(path), call=call)
        peaks[name] = int(
            subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=True).stdout
        )
    return peaks


def cached_run_cost():
    """A check run served from the cache, against one that fetches (both through AgentCheck.run)."""
    from datadog_checks.base.stubs import aggregator

    from datadog_exercise.elec_france.check import ElecFranceCheck

    from feedserver import Answer, FeedServer

    generated = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC).timestamp()
    fixtures = ROOT / 'tests' / 'fixtures'
    with FeedServer() as server:
        server.serve('mix', Answer((fixtures / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()))
        server.serve('co2', Answer((fixtures / 'eco2mix_co2_2023-09-21_22.xml').read_bytes()))
        instance = {'eco2mix_url': server.eco2mix_url, 'source': 'eco2mix', **NATIONAL_ONLY}

        fetching = []
        for _ in range(20):
            check = ElecFranceCheck('elec_france', {}, [dict(instance)])
            check.check_id = f'elec_france:bench{len(fetching)}'
            check.clock = lambda: generated
            check.run()  # the first run also validates the configuration: not counted
            check.state = type(check.state)()  # forget the cache: the next run fetches
            started = time.perf_counter()
            check.run()
            fetching.append(time.perf_counter() - started)
            aggregator.reset()

        cached = []
        for _ in range(2000):
            started = time.perf_counter()
            check.run()
            cached.append(time.perf_counter() - started)
            aggregator.reset()
        samples = len(check.state.snapshot.values) + 8
    return statistics.median(cached), statistics.median(fetching), samples


def requests_per_hour():
    """Simulated clock, 15 s interval, a server publishing each quarter-hour 20 minutes after it starts."""
    from datadog_checks.base.stubs import aggregator, datadog_agent
    from test_elec_france_policy import START, Simulation

    from datadog_exercise.elec_france.check import ElecFranceCheck

    from feedserver import FeedServer

    counts = {}
    for policy_name in ('fetch policy', 'fetch on every run'):
        datadog_agent.reset()
        simulation = Simulation(START)
        with FeedServer(clock=lambda simulation=simulation: simulation.now) as server:
            server.serve('mix', simulation.publication)
            server.serve('co2', simulation.publication)
            instance = {'eco2mix_url': server.eco2mix_url, 'source': 'eco2mix', **NATIONAL_ONLY}
            check = ElecFranceCheck('elec_france', {}, [instance])
            check.check_id = 'elec_france:bench'
            check.clock = lambda simulation=simulation: simulation.now
            hours = 4 if policy_name == 'fetch policy' else 1
            for _ in range(hours * 240):
                if policy_name == 'fetch on every run' and hasattr(check, 'state'):
                    check.state = type(check.state)(snapshot=check.state.snapshot, co2=check.state.co2)  # always due
                check.run()
                aggregator.reset()
                simulation.now += 15
            steady = [r for r in server.requests if r.time >= START + 3600] if hours > 1 else server.requests
            counts[policy_name] = len(steady) / max(hours - 1, 1)
    return counts


def requests_per_hour_per_feed():
    """A simulated day at a 15 s interval in each scenario of tests/test_elec_france_budget.py (every feed on; the
    national mix and its cross-check): {scenario: {feed: [requests in each hour]}}."""
    from types import SimpleNamespace

    from test_elec_france_budget import FEEDS, SCENARIOS, per_hour, simulated_day

    counts = {}
    for scenario in SCENARIOS:
        _, requests, *_ = simulated_day.__wrapped__(SimpleNamespace(param=scenario))
        counts[scenario] = {kind: per_hour(requests, kind) for kind in FEEDS}
    return counts


HOSTILE_TIMEOUT = 2


def hostile_runs():
    """(name, peak KiB, KiB after imports, seconds, fetches) of one check run per server, each in a fresh process."""
    from test_elec_france_hostile_http import BEFORE_THE_ANSWER, CASES, NOW, redirect_carrying_a_gzip_bomb

    from datadog_exercise.elec_france.feeds import MAX_BYTES

    from feedserver import Answer, FeedServer, ScriptedServer
    from fixtures.build import costliest_answers
    from support import run_check_in_a_fresh_interpreter

    fixtures = ROOT / 'tests' / 'fixtures'
    runs = []

    def run(name, eco2mix_url, odre_url, source, fetches, **options):
        instance = {'eco2mix_url': eco2mix_url, 'odre_url': odre_url, 'source': source, 'timeout': HOSTILE_TIMEOUT}
        instance |= NATIONAL_ONLY | options
        result = run_check_in_a_fresh_interpreter(instance, NOW)
        runs.append((name, result['peak_kib'], result['imports_kib'], result['seconds'], fetches))

    with FeedServer() as server:
        server.serve('mix', Answer((fixtures / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()))
        server.serve('co2', Answer((fixtures / 'eco2mix_co2_2023-09-21_22.xml').read_bytes()))
        server.serve('odre', Answer((fixtures / 'odre_records_2023-09-22.json').read_bytes()))
        run('normal run (mix and co2)', server.eco2mix_url, server.odre_url, 'eco2mix', 2)
        for name, (feed, body) in costliest_answers(MAX_BYTES).items():
            with FeedServer() as largest:
                largest.serve(feed, Answer(body))
                run(name, largest.eco2mix_url, largest.odre_url, 'odre' if feed == 'odre' else 'eco2mix', 1)
    for name, (script, _) in CASES.items():
        with ScriptedServer(script) as server:
            run(name, server.eco2mix_url, server.odre_url, 'eco2mix', 1)
    for name, (script, reads_request, options, _) in BEFORE_THE_ANSWER.items():
        with ScriptedServer(script, reads_request=reads_request) as server:
            settings = options(server)
            run(name, settings.pop('eco2mix_url'), server.odre_url, 'eco2mix', 1, **settings)
    with ScriptedServer(redirect_carrying_a_gzip_bomb) as eco2mix, ScriptedServer(CASES['gzip bomb'][0]) as odre:
        run('both feeds: gzip bombs', eco2mix.eco2mix_url, odre.odre_url, 'auto', 2)
    return runs


def main():
    import tempfile

    print(f'Python {sys.version.split()[0]}, lxml {etree.__version__}')
    with tempfile.TemporaryDirectory() as tmp:
        for days, repeats in ((2, 300), (31, 40)):
            body = document(days)
            medians = compare(body, repeats)
            peaks = peak_memory_kib(body, Path(tmp))
            median_base, best_base = medians['raw lxml.etree.fromstring']
            print(f'\n{days}-day document, {len(body) / 1024:.0f} KiB, {repeats} interleaved runs (median, best):')
            for name, (median, best) in medians.items():
                print(
                    f'  {name:28} {median * 1000:8.3f} ms {median / median_base:5.2f}x  {best * 1000:8.3f} ms '
                    f'{best / best_base:5.2f}x   peak +{peaks[name] / 1024:5.1f} MiB'
                )
    cached, fetching, samples = cached_run_cost()
    print(
        f'\ncheck run served from the cache: {cached * 1000:.3f} ms ({samples} metric samples); '
        f'a run that fetches both feeds over loopback: {fetching * 1000:.2f} ms ({fetching / cached:.0f}x)'
    )
    counts = requests_per_hour()
    policy, naive = counts['fetch policy'], counts['fetch on every run']
    print(
        f'requests per hour (type=mix and type=co2) at a 15 s interval, 240 runs an hour: {policy:.0f} with the '
        f'fetch policy (steady state), {naive:.0f} fetching both feeds on every run ({naive / policy:.0f}x)'
    )
    for scenario, per_feed in requests_per_hour_per_feed().items():
        print(f'{scenario}, a simulated day at a 15 s interval (5760 runs, a restart at midday): requests in each hour')
        for kind, hours in per_feed.items():
            print(f'  {kind:14} {" ".join(map(str, hours))}  (mean {sum(hours) / len(hours):.2f}, most {max(hours)})')
        national = [sum(hour) for hour in zip(per_feed['mix'], per_feed['co2'], per_feed['odre'], strict=True)]
        print(f'  {"national part":14} {" ".join(map(str, national))}  (most {max(national)})')
    print(json.dumps({'cached_run_ms': round(cached * 1000, 3), 'requests_per_hour': counts}))

    runs = hostile_runs()
    normal = runs[0]
    print(
        f'\none check run per server, each in a fresh interpreter, timeout {HOSTILE_TIMEOUT} s '
        f"(peak = VmHWM; growth = over the imports, the Agent's HTTP library included):"
    )
    for name, peak, imports, seconds, fetches in runs:
        print(
            f'  {name:40} peak {peak / 1024:6.1f} MiB ({peak / normal[1]:4.2f}x)  '
            f'growth {(peak - imports) / 1024:6.1f} MiB  {seconds:5.2f} s '
            f'({fetches} fetch(es), bound {fetches * (HOSTILE_TIMEOUT + 1)} s)'
        )
    worst = max(runs, key=lambda run: run[1])
    longest = max(runs[1:], key=lambda run: run[3] / run[4])
    print(
        f'worst peak: {worst[0]}, {worst[1] / 1024:.1f} MiB against {normal[1] / 1024:.1f} MiB for a normal run '
        f'({worst[1] / normal[1]:.2f}x); longest: {longest[0]}, {longest[3]:.2f} s for {longest[4]} fetch(es) '
        f'of timeout {HOSTILE_TIMEOUT} s'
    )


if __name__ == '__main__':
    main()
