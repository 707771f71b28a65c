"""What `elec_france` sends and submits for the national mix, run by run, in a few scenarios: the record that
pins "with every option of issue 12 off, the check behaves exactly as before".

`python tests/national_behaviour.py OUTPUT` writes the record. It imports only the check and the loopback feed
server, as they were before issue 12 too: run with the package of an older commit first on `sys.path` to
record that commit's behaviour (tests/fixtures/README.md says how the committed record was made).
"""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from datadog_checks.base.stubs import aggregator, datadog_agent

from datadog_exercise.elec_france.check import ElecFranceCheck

from feedserver import Answer, FeedServer

FIXTURES = Path(__file__).resolve().parent / 'fixtures'
GENERATED = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC).timestamp()  # date_actuelle of the fixtures
# Options issues 11 and 12 added, all off; an older check ignores them.
OPTIONS_OFF = {'forecasts': False, 'grid_details': False, 'prices': False, 'regions': [], 'cross_check': False}
# Seconds after the fixtures' generation: the first fetch, a cached run, the next quarter-hour's fetch and
# its recheck, a CO2 refresh, and past max_data_age.
RUNS = (0, 15, 60, 1320, 1620, 1800, 3 * 3600)
SCENARIOS = {
    'auto': ({}, {}),
    'auto, éCO2mix down': ({}, {'mix': Answer(b'', 502)}),
    'auto, both down': ({}, {'mix': Answer(b'', 503), 'odre': Answer(b'{"error_code": "X", "message": "y"}')}),
    'odre': ({'source': 'odre'}, {}),
    'eco2mix without co2': ({'source': 'eco2mix', 'co2': False}, {}),
    'eco2mix, missing values': ({'source': 'eco2mix'}, {'mix': 'eco2mix_mix_2023-09-21_22_missing_values.xml'}),
}
FEEDS = {
    'mix': 'eco2mix_mix_2023-09-21_22.xml',
    'co2': 'eco2mix_co2_2023-09-21_22.xml',
    'odre': 'odre_records_2023-09-22.json',
}


def behaviour():
    """{scenario: [one entry per run: its requests, metrics, service checks and warnings]}."""
    return {name: _scenario(options, answers) for name, (options, answers) in SCENARIOS.items()}


def _scenario(options, answers):
    now = [GENERATED]
    datadog_agent.reset()
    with FeedServer(clock=lambda: now[0]) as server:
        for kind, name in FEEDS.items():
            answer = answers.get(kind, name)
            server.serve(kind, Answer((FIXTURES / answer).read_bytes()) if isinstance(answer, str) else answer)
        instance = {'eco2mix_url': server.eco2mix_url, 'odre_url': server.odre_url, 'timeout': 2, 'tags': ['t:1']}
        check = ElecFranceCheck('elec_france', {}, [{**instance, **OPTIONS_OFF, **options}])
        check.check_id = 'elec_france:behaviour'
        check.clock = lambda: now[0]
        runs = []
        for offset in RUNS:
            now[0] = GENERATED + offset
            aggregator.reset()
            asked = len(server.requests)
            error = check.run()
            run = {
                'at': offset,
                'error': error,
                'requests': [[request.path, request.params] for request in server.requests[asked:]],
                'metrics': sorted(
                    [name, sample.value, sorted(sample.tags)]
                    for name in aggregator.metric_names
                    for sample in aggregator.metrics(name)
                ),
                'service_checks': [
                    [sample.name, sample.status, sorted(sample.tags), sample.message]
                    for sample in aggregator.service_checks('elec_france.can_connect')
                ],
                'warnings': check.get_warnings(),
            }
            # The server's port changes from one run of the scenarios to the next; JSON makes tuples lists.
            runs.append(json.loads(json.dumps(run).replace(f'127.0.0.1:{server.port}', '127.0.0.1:PORT')))
    return runs


if __name__ == '__main__':
    Path(sys.argv[1]).write_text(json.dumps(behaviour(), ensure_ascii=False, indent=1) + '\n', encoding='utf-8')
