"""Benchmark of the market and regional parsers and of ODRE's national details, on the fixtures and on hostile bodies
at the check's byte caps.

Run: .venv/bin/python benchmarks/grid_parsers.py

Every figure is measured in this run and given as a ratio to a baseline measured in the same run on the same
bytes: `lxml.etree.fromstring` for XML, `json.loads` for JSON (what any parser must pay at least). Peak memory
is measured in a fresh interpreter (VmHWM) for the parser and for the baseline.
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / 'tests' / 'fixtures'
sys.path.insert(0, str(ROOT))

from datadog_exercise.eco2mix import market, odre, regional  # noqa: E402
from datadog_exercise.eco2mix.labels import COMMERCIAL_EXCHANGES, CORE_SERIES  # noqa: E402
from datadog_exercise.eco2mix.snapshot import latest_snapshot  # noqa: E402
from datadog_exercise.elec_france.feeds import MARKET, MAX_BYTES, ODRE_REGIONAL  # noqa: E402

DETAILS = (*CORE_SERIES, *COMMERCIAL_EXCHANGES)


def capped(feed, head, element, tail):
    """`head`, then `element` as many times as fits under the feed's byte cap, then `tail`."""
    return head + element * ((MAX_BYTES[feed] - 4096 - len(head) - len(tail)) // len(element)) + tail


def hostile_market():
    """Every <valeur> with a periode of a trillion: work must not depend on it."""
    head = b"<?xml version='1.0'?><liste><donneesMarche date='2024-04-14'><type v='donneesMarche' perimetre='FR'>"
    return capped(MARKET, head, b"<valeur periode='1000000000000'>12</valeur>", b'</type></donneesMarche></liste>')


def hostile_regional():
    """The cap filled with 99 records as large as fit (an answer has 100 at most): one field of long text each."""
    record = json.loads((FIXTURES / 'odre_regional_2023-09-22.json').read_bytes())['results'][20]
    size = (MAX_BYTES[ODRE_REGIONAL] - 4096) // 100
    record['libelle_region'] = 'x' * (size - len(json.dumps(record)))
    return b'{"results": [' + b','.join([json.dumps(record).encode()] * 99) + b', {}]}'


# (name, parser call on `body`, baseline: 'xml' or 'json', body)
CASES = [
    (
        'market, 3 days x 11 areas',
        'market.parse(body, MAX_BYTES[MARKET])',
        'xml',
        (FIXTURES / 'market_prices_2024-04-13_15.xml').read_bytes(),
    ),
    ('market, hostile at the cap', 'market.parse(body, MAX_BYTES[MARKET])', 'xml', hostile_market()),
    (
        'regional, 60 records',
        'regional.parse(body, MAX_BYTES[ODRE_REGIONAL])',
        'json',
        (FIXTURES / 'odre_regional_2023-09-22.json').read_bytes(),
    ),
    ('regional, hostile at the cap', 'regional.parse(body, MAX_BYTES[ODRE_REGIONAL])', 'json', hostile_regional()),
    (
        'national details from ODRE, 100 records',
        'latest_snapshot(odre.parse(body), DETAILS)',
        'json',
        (FIXTURES / 'odre_records_2023-09-22.json').read_bytes(),
    ),
]
BASELINES = {'xml': 'etree.fromstring(body)', 'json': 'json.loads(body)'}
NAMES = {'market': market, 'regional': regional, 'odre': odre, 'etree': etree, 'json': json}
CONSTANTS = {
    'MAX_BYTES': MAX_BYTES,
    'MARKET': MARKET,
    'ODRE_REGIONAL': ODRE_REGIONAL,
    'DETAILS': DETAILS,
    'latest_snapshot': latest_snapshot,
}


def median_seconds(calls, body, repeats):
    """Median time of each call, interleaved so that the machine's load weighs on all of them alike."""
    compiled = [compile(call, call, 'eval') for call in calls]
    samples = [[] for _ in calls]
    for _ in range(repeats):
        for code, times in zip(compiled, samples, strict=True):
            started = time.perf_counter()
            eval(code, NAMES | CONSTANTS, {'body': body})
            times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in samples]


# VmHWM is this process's own peak: ru_maxrss would start from the parent's peak after fork.
PEAK_SCRIPT = """
import json, sys
def peak_kib():
    return int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])
sys.path.insert(0, {root!r})
from lxml import etree
from datadog_exercise.eco2mix import market, odre, regional
from datadog_exercise.eco2mix.labels import COMMERCIAL_EXCHANGES, CORE_SERIES
from datadog_exercise.eco2mix.snapshot import latest_snapshot
from datadog_exercise.elec_france.feeds import MARKET, MAX_BYTES, ODRE_REGIONAL
DETAILS = (*CORE_SERIES, *COMMERCIAL_EXCHANGES)
body = open({path!r}, 'rb').read()
before = peak_kib()
result = {call}
print(peak_kib() - before)
"""


def peak_kib(call, path):
    script = PEAK_SCRIPT.format(root=str(ROOT), path=str(path), call=call)
    return int(subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=True).stdout)


def main():
    print(f'Python {sys.version.split()[0]}, lxml {etree.__version__}; ratios against the baseline on the same bytes')
    with tempfile.TemporaryDirectory() as tmp:
        for name, call, kind, body in CASES:
            path = Path(tmp) / 'body'
            path.write_bytes(body)
            repeats = 30 if len(body) < 1_000_000 else 3
            ours, baseline = median_seconds([call, BASELINES[kind]], body, repeats)
            ours_peak, baseline_peak = peak_kib(call, path), peak_kib(BASELINES[kind], path)
            print(
                f'  {name:36} {len(body) / 1024:7.0f} KiB  {ours * 1000:8.2f} ms ({ours / baseline:5.1f}x '
                f'{BASELINES[kind].split("(")[0]})  peak +{ours_peak / 1024:5.1f} MiB '
                f'({baseline_peak / 1024:5.1f} MiB for the baseline)'
            )


if __name__ == '__main__':
    main()
