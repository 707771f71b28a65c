"""`datadog-exercise record`, `check elec_france --replay DIR`, `plot --replay DIR` and `doctor`, against real loopback
servers, run as a user runs them."""

import hashlib
import json
import logging
import os
import time
from datetime import UTC, datetime

import pytest
from datadog_checks.base.stubs import aggregator as stub_aggregator
from datadog_checks.base.stubs import datadog_agent as stub_agent
from test_elec_france_check import GENERATED
from test_elec_france_cross_check import EXCHANGE_RENAMED, mix_answer, relabelled

from datadog_exercise.elec_france.check import ElecFranceCheck
from datadog_exercise.elec_france.config import parse_config
from datadog_exercise.elec_france.fetch import budgeted_http
from datadog_exercise.elec_france.recording import Recording, RecordingError, fetch_all, load, write
from datadog_exercise.paths import SAMPLE_FOLDER

from feedserver import Answer, FeedServer
from fixtures.build import MIX_ROWS
from support import FIXTURES, run_cli

SERVED = {
    'mix': 'eco2mix_mix_2023-09-21_22.xml',
    'co2': 'eco2mix_co2_2023-09-21_22.xml',
    'odre': 'odre_records_2023-09-22.json',
    'market': 'market_prices_2023-09-21_23.xml',
}
FILES = {'mix': 'eco2mix_mix.xml', 'co2': 'eco2mix_co2.xml', 'odre': 'odre.json', 'market': 'market.xml'}
RECORDING = SAMPLE_FOLDER
SECRET = 'hunter2-of-the-feed'


@pytest.fixture
def server():
    with FeedServer() as running:
        for kind, name in SERVED.items():
            running.serve(kind, Answer((FIXTURES / name).read_bytes(), headers={'Content-Type': 'text/xml'}))
        yield running


def conf_for(tmp_path, server, **options):
    """A conf.yaml whose one instance asks `server` for every feed."""
    instance = {**server.urls, 'timeout': 2, **options}
    path = tmp_path / 'conf.yaml'
    path.write_text(json.dumps({'init_config': {}, 'instances': [instance]}))  # JSON is YAML
    return path


def recorded_at_generated(server, folder):
    """`record` of `server`'s feeds as at the fixtures' time (the command takes the host's clock)."""
    instance = {**server.urls, 'timeout': 2}
    fetched = fetch_all(parse_config(instance), budgeted_http(instance, {}, logging.getLogger('test')), GENERATED)
    return write(folder, Recording(datetime.fromtimestamp(GENERATED, UTC), tuple(fetched)))


def last_values(metrics):
    """{(metric, tags): value} of the last submission of each context."""
    return {(metric['metric'], tuple(sorted(metric['tags']))): metric['points'][-1][1] for metric in metrics}


def test_record_then_replay_reproduces_exactly_what_the_check_reports_from_the_served_answers(tmp_path, server):
    folder = recorded_at_generated(server, tmp_path / 'recording')
    # What the check reports against the live server at that instant, once it has asked every feed.
    stub_agent.reset()
    check = ElecFranceCheck('elec_france', {}, [{**server.urls, 'timeout': 2, 'min_collection_interval': 60}])
    check.check_id = 'elec_france:live'
    check.clock = lambda: GENERATED
    for _ in range(2):
        stub_aggregator.reset()
        assert check.run() == ''
    live = {
        (name, tuple(sorted(sample.tags))): sample.value
        for name in stub_aggregator.metric_names
        for sample in stub_aggregator.metrics(name)
    }

    result = run_cli('check', 'elec_france', '--replay', folder, '--json')

    assert result.returncode == 0, result.stderr
    [instance] = json.loads(result.stdout)
    replayed = last_values(instance['aggregator']['metrics'])
    assert replayed == live
    assert instance['runner']['TotalRuns'] == 2  # the mix, CO2 and the prices; then ODRE
    assert replayed[('elec_france.production', ('feed:eco2mix', 'fuel:nuclear'))] == 37536
    assert replayed[('elec_france.exchange.commercial', ('border:gb', 'feed:odre'))] == -3028
    assert replayed[('elec_france.price.day_ahead', ('area:fr', 'feed:market'))] == 1.69
    assert replayed[('elec_france.feed.mismatches', ())] == 0
    assert replayed[('elec_france.data.age', ('feed:eco2mix',))] == 369


def test_record_saves_each_body_byte_for_byte_with_its_manifest_and_no_secret(tmp_path, server):
    urls = {name: url.replace('http://', f'http://rte:{SECRET}@') for name, url in server.urls.items()}
    conf = tmp_path / 'conf.yaml'
    conf.write_text(json.dumps({'instances': [{**urls, 'timeout': 2}]}))
    before = time.time()

    result = run_cli('record', '--conf', conf, '--output', tmp_path / 'out')

    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    manifest_text = (tmp_path / 'out' / 'manifest.json').read_text(encoding='utf-8')
    assert SECRET not in manifest_text
    manifest = json.loads(manifest_text)
    assert [entry['feed'] for entry in manifest['feeds']] == ['eco2mix_mix', 'odre', 'eco2mix_co2', 'market']
    for entry in manifest['feeds']:
        kind = {'eco2mix_mix': 'mix', 'eco2mix_co2': 'co2'}.get(entry['feed'], entry['feed'])
        served = (FIXTURES / SERVED[kind]).read_bytes()
        assert (tmp_path / 'out' / FILES[kind]).read_bytes() == served
        assert (entry['file'], entry['bytes'], entry['sha256']) == (
            FILES[kind],
            len(served),
            hashlib.sha256(served).hexdigest(),
        )
        assert entry['status'] == 200
        assert entry['headers']['Content-Type'] == 'text/xml'
        assert before <= datetime.fromisoformat(entry['requested_at']).timestamp() <= time.time()
    # The full URLs of the check's requests, parameters included, and the credentials sent as the check sends them.
    assert manifest['feeds'][1]['url'] == (
        f'{server.odre_url}?order_by=date_heure+desc&limit=8&where=consommation+is+not+null&timezone=Europe%2FParis'
    )
    assert all(request.headers['Authorization'].startswith('Basic ') for request in server.requests)
    assert len(server.requests) == 4


def test_record_refuses_to_overwrite_and_asks_nothing(tmp_path, server):
    (tmp_path / 'out').mkdir()
    (tmp_path / 'out' / 'mine.txt').write_text('keep me')

    result = run_cli('record', '--conf', conf_for(tmp_path, server), '--output', tmp_path / 'out')

    assert result.returncode == 1
    assert result.stderr == f'Error: {tmp_path / "out"} already exists: a recording is never overwritten\n'
    assert os.listdir(tmp_path / 'out') == ['mine.txt']
    assert server.requests == []


def test_record_fails_clearly_when_a_feed_fails_and_saves_the_others(tmp_path, server):
    server.serve('market', Answer(b'busy', 503, {'Retry-After': '120'}))
    server.serve('odre', Answer(b'x' * (300 * 1024)))  # more than ODRE's 256 KiB cap

    result = run_cli('record', '--conf', conf_for(tmp_path, server), '--output', tmp_path / 'out')

    assert result.returncode == 1
    assert result.stderr == 'Error: 2 feed(s) failed (odre, market); the others are saved\n'
    assert 'market: FAILED: 127.0.0.1' in result.stdout
    manifest = json.loads((tmp_path / 'out' / 'manifest.json').read_text())
    failed = {entry['feed']: entry for entry in manifest['feeds'] if 'error' in entry}
    assert failed['market']['status'] == 503
    assert failed['market']['error'].endswith('answered HTTP 503 Service Unavailable (Retry-After: 120 s)')
    assert failed['odre']['error'].endswith('announced 307200 bytes, more than the 262144-byte limit')
    assert sorted(os.listdir(tmp_path / 'out')) == ['eco2mix_co2.xml', 'eco2mix_mix.xml', 'manifest.json']
    assert load(tmp_path / 'out').bodies().keys() == {'eco2mix_mix', 'eco2mix_co2'}


def test_record_holds_each_fetch_to_the_checks_deadline(tmp_path, server):
    server.serve('mix', Answer(b'<liste>' + b' ' * 5000, drip=0.2))  # 100 bytes every 0.2 s: 10 s in all
    started = time.monotonic()

    result = run_cli('record', '--conf', conf_for(tmp_path, server, timeout=1), '--output', tmp_path / 'out')

    assert result.returncode == 1
    assert 'eco2mix_mix: FAILED: 127.0.0.1' in result.stdout and 'took more than 1 s' in result.stdout
    assert time.monotonic() - started < 8  # the interpreter's start, one late fetch (1 s), three quick ones


def test_replay_of_a_recording_folder_serves_every_feed(tmp_path):
    result = run_cli('check', 'elec_france', '--replay', RECORDING, '--json')

    assert result.returncode == 0, result.stderr
    [instance] = json.loads(result.stdout)
    replayed = last_values(instance['aggregator']['metrics'])
    # 02:21 Paris: the mix of 02:00; ODRE's details of 01:00, an hour and a quarter late; the prices of hour 2.
    assert replayed[('elec_france.data.age', ('feed:eco2mix',))] == 369
    assert replayed[('elec_france.data.age', ('feed:odre',))] == 369 + 3600
    assert replayed[('elec_france.exchange.commercial', ('border:gb', 'feed:odre'))] == -3028
    assert replayed[('elec_france.price.day_ahead', ('area:fr', 'feed:market'))] == 1.69
    assert replayed[('elec_france.feed.mismatches', ())] == 0
    assert instance['runner']['LastWarnings'] == []


def tampered(tmp_path, change):
    folder = tmp_path / 'recording'
    folder.mkdir()
    for path in RECORDING.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    change(folder)
    return folder


def edit_manifest(edit):
    def change(folder):
        manifest = json.loads((folder / 'manifest.json').read_text())
        edit(manifest)
        (folder / 'manifest.json').write_text(json.dumps(manifest))

    return change


@pytest.mark.parametrize(
    'change, message',
    [
        (
            lambda folder: (folder / 'odre.json').write_bytes(b'{"results": []}'),
            'has more or fewer bytes than the manifest says',
        ),
        (
            lambda folder: (folder / 'market.xml').write_bytes(
                (folder / 'market.xml').read_bytes().replace(b'>1.69<', b'>9.69<')
            ),
            'market.xml is not the body recorded: its sha256 differs from the manifest',
        ),
        (
            edit_manifest(lambda manifest: manifest['feeds'][0].update(file='../../etc/passwd')),
            'feeds[0]: a recorded answer has status 200 and the file eco2mix_mix.xml',
        ),
        (
            lambda folder: (
                (folder / 'odre.json').unlink(),
                (folder / 'odre.json').symlink_to(RECORDING / 'odre.json'),
            ),
            'cannot read',
        ),
        (
            edit_manifest(lambda manifest: manifest['feeds'][1].update(bytes=10**9)),
            'feeds[1]: `bytes` must be 1 to 262144 (the most the check reads of it), got 1000000000',
        ),
        (
            edit_manifest(lambda manifest: manifest['feeds'].append(manifest['feeds'][0])),
            'feed eco2mix_mix is listed twice',
        ),
        (lambda folder: (folder / 'manifest.json').write_text('[' * 100_000), 'manifest.json is larger than'),
        (lambda folder: (folder / 'manifest.json').unlink(), 'cannot read'),
    ],
    ids=['size', 'sha256', 'path', 'symlink', 'cap', 'twice', 'huge manifest', 'no manifest'],
)
def test_a_recording_is_read_back_as_hostile_input(tmp_path, change, message):
    folder = tampered(tmp_path, change)

    with pytest.raises(RecordingError) as error:
        load(folder)

    assert message in str(error.value)


def test_a_tampered_recording_is_refused_by_the_commands_that_read_it(tmp_path):
    folder = tampered(tmp_path, lambda folder: (folder / 'odre.json').write_bytes(b'{"results": []}'))

    for command in (['check', 'elec_france'], ['plot'], ['doctor']):
        result = run_cli(*command, '--replay', folder)

        assert result.returncode in (1, 2), command
        assert 'odre.json has more or fewer bytes than the manifest says (8098)' in ' '.join(result.stderr.split())


def test_plot_draws_a_recording_folder(tmp_path):
    result = run_cli('plot', '--replay', RECORDING, '--output', tmp_path / 'mix.png')

    assert result.returncode == 0, result.stderr
    assert (tmp_path / 'mix.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_doctor_on_a_good_recording_finds_nothing_wrong(tmp_path):
    result = run_cli('doctor', '--replay', RECORDING)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        f'elec_france doctor: the recording {RECORDING}, as at its time, judged at 2023-09-22 00:21:09 UTC '
        '(2023-09-22 02:21 Paris)'
    )
    text = result.stdout
    assert '  eco2mix_mix  200     0.00     94019  2023-09-22 02:00       0:06:09  https://eco2mix' in text
    assert '  market       200     0.00     19270  prices for 2023-09-22  -        https://' in text
    assert "  'Solde'" in text and 'known    exchange' in text
    assert 'Cross-check: éCO2mix against ODRE for 2023-09-22 01:00 Paris' in text
    assert '  exchange              -13576   -13576  same' in text
    assert (
        '  odre         1 an hour  the borders, batteries, wind split and the cross-check: one request for both' in text
    )
    assert text.endswith('No problem found.\n')


def test_doctor_json_names_a_renamed_label_and_its_likely_meaning_and_exits_1(tmp_path, server):
    server.serve('mix', mix_answer(relabelled({'Solde': EXCHANGE_RENAMED})))
    folder = recorded_at_generated(server, tmp_path / 'drifted')

    result = run_cli('doctor', '--replay', folder, '--json')

    assert result.returncode == 1
    report = json.loads(result.stdout)
    mix = report['feeds'][0]
    assert mix['error'] == (
        "éCO2mix type=mix answer unusable: no complete quarter-hour: no usable value for exchange ('Solde')"
    )
    assert {'label': EXCHANGE_RENAMED, 'granularite': 'Global', 'read_as': 'unknown', 'series': None} in mix['labels']
    assert report['diagnosis'] == [
        "unknown series 'Ech. physiques' equals ODRE's ech_physiques on 8 of 8 quarter-hours: probably the exchange "
        "balance; map it with label_overrides ('Ech. physiques': exchange)"
    ]
    exchange = next(row for row in report['cross_check']['series'] if row['series'] == 'exchange')
    assert exchange == {'series': 'exchange', 'eco2mix': None, 'odre': -14141, 'agree': False}


def test_doctor_with_the_override_reads_the_renamed_label_as_overridden(tmp_path, server):
    server.serve('mix', mix_answer(relabelled({'Solde': EXCHANGE_RENAMED})))
    folder = recorded_at_generated(server, tmp_path / 'drifted')
    conf = conf_for(tmp_path, server, label_overrides={EXCHANGE_RENAMED: 'exchange'})

    result = run_cli('doctor', '--replay', folder, '--json', '--conf', conf)

    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    labels = report['feeds'][0]['labels']
    assert {'label': EXCHANGE_RENAMED, 'granularite': 'Global', 'read_as': 'overridden', 'series': 'exchange'} in labels
    assert report['problems'] == []


def test_doctor_live_asks_each_feed_once_and_says_what_is_wrong(tmp_path, server):
    result = run_cli('doctor', '--conf', conf_for(tmp_path, server))

    assert result.returncode == 1  # the fixtures are from 2023: too old today
    assert result.stdout.startswith(f'elec_france doctor: live, the requests of {tmp_path / "conf.yaml"}')
    assert 'eco2mix_mix: its latest quarter-hour ended' in result.stdout
    assert len(server.requests) == 4


def test_the_shipped_rows_read_as_known(tmp_path):
    result = run_cli('doctor', '--replay', RECORDING, '--json')

    labels = json.loads(result.stdout)['feeds'][0]['labels']
    assert {(label['label'], label['granularite']) for label in labels} == {(label, g) for label, g, _ in MIX_ROWS}
    assert {label['read_as'] for label in labels} == {'known'}
