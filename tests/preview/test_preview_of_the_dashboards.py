"""The dashboards' preview: the real checks run on a simulated clock, and every dashboard query read from them."""

import random
import struct
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from datadog_exercise.as_code import catalog
from datadog_exercise.as_code.cli import dry_run_document
from datadog_exercise.eco2mix import xmlfeed
from datadog_exercise.eco2mix.labels import SeriesKey
from datadog_exercise.eco2mix.snapshot import latest_snapshot
from datadog_exercise.preview import checkruns, dashboard
from datadog_exercise.preview.publication import Recording
from datadog_exercise.preview.query import evaluate, parse
from datadog_exercise.preview.store import MetricStore

from support import FIXTURES, REPOSITORY

MIX = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()
CO2 = (FIXTURES / 'eco2mix_co2_2023-09-21_22.xml').read_bytes()
RECORDINGS = checkruns.Recordings(
    MIX,
    CO2,
    (FIXTURES / 'odre_records_2023-09-22.json').read_bytes(),
    (FIXTURES / 'odre_regional_records_2023-09-21_22.json').read_bytes(),
    (FIXTURES / 'market_prices_2023-09-21_23.xml').read_bytes(),
)
GENERATED = datetime(2023, 9, 22, 0, 21, 9, tzinfo=UTC)  # date_actuelle of the recordings
HOST = 'demo-host'


def utc(hour, minute, second=0, day=21):
    return datetime(2023, 9, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture(scope='module')
def two_hours():
    """Two hours of both checks: elec_france against the recordings, random_number up to the same instant."""
    store = MetricStore()
    electricity = checkruns.run_elec_france(store, RECORDINGS, HOST, hours=2)
    random_number = checkruns.run_random_number(store, HOST, electricity.last, hours=2)
    return store, electricity, random_number


def values_at(store, metric, instant, *tags):
    return [
        point.value
        for point in store.points(metric)
        if point.timestamp == instant.timestamp() and set(tags) <= point.tags
    ]


def dry_run_dashboards():
    """The `dashboards` of `apply --dry-run --host demo-host --notify @ops@example.com`."""
    objects = catalog.build(('dashboards',), HOST, '@ops@example.com', 'UTC', GENERATED)
    return dry_run_document(objects)['dashboards']


def test_a_recording_answers_with_what_was_published_at_an_earlier_instant():
    recording = Recording(MIX)
    delay = recording.publication_delay()

    assert delay == timedelta(minutes=21, seconds=9)
    before = xmlfeed.parse(recording.answer_at(utc(23, 21, 8), delay))
    after = xmlfeed.parse(recording.answer_at(utc(23, 21, 9), delay))

    # 00:45 Paris time, published at 01:06:09; 01:00 is out one second after 01:21:08.
    assert (before.generated_at, latest_snapshot(before).start) == (utc(23, 6, 9), utc(22, 45))
    assert latest_snapshot(before).production['nuclear'] == 37063
    assert (after.generated_at, latest_snapshot(after).start) == (utc(23, 21, 9), utc(23, 0))
    assert latest_snapshot(after).production['nuclear'] == 37229
    nuclear_today = after.days[1].series[SeriesKey('nuclear')]
    assert [nuclear_today.value_at(slot) for slot in range(3, 6)] == [37063, 37229, None]


def test_elec_france_runs_every_minute_and_reports_each_quarter_hour_once_the_check_fetches_it(two_hours):
    store, electricity, _ = two_hours

    assert (electricity.first, electricity.last, electricity.interval) == (utc(22, 21, 9), GENERATED, 60)
    assert len({point.timestamp for point in store.points('elec_france.data.age')}) == 121
    # First run, 00:21:09 Paris: the 00:00 quarter-hour, published 21 min 9 s after its start.
    first = electricity.first
    assert values_at(store, 'elec_france.production', first, 'fuel:nuclear') == [37570]
    assert values_at(store, 'elec_france.consumption', first) == [40878]
    assert values_at(store, 'elec_france.co2_intensity', first) == [24]
    assert values_at(store, 'elec_france.data.age', first, 'feed:eco2mix', f'host:{HOST}') == [369]
    # Last run, 02:21:09 Paris: the 02:00 quarter-hour is out, but the check only asks again at 02:22
    # (its fetch policy), so it still reports 01:45, 36 minutes old.
    assert values_at(store, 'elec_france.production', GENERATED, 'fuel:nuclear') == [37603]
    assert values_at(store, 'elec_france.consumption', GENERATED) == [36824]
    assert values_at(store, 'elec_france.data.age', GENERATED, 'feed:eco2mix') == [1269]
    ages = [point.value for point in store.points('elec_france.data.age') if 'feed:eco2mix' in point.tags]
    assert (min(ages), max(ages)) == (369, 1269)
    # ODRE, asked at 01:22:09 Paris and an hour and a quarter behind, had published up to 00:00-00:15.
    assert values_at(store, 'elec_france.data.age', GENERATED, 'feed:odre') == [7569]
    assert values_at(store, 'elec_france.exchange.commercial', GENERATED, 'border:gb') == [-3027]  # RTE's, 00:00


def test_every_elec_france_run_submits_the_172_series_of_a_one_shot_check_run_with_everything_on(two_hours):
    store, electricity, _ = two_hours
    per_run = sum(len(values_at(store, metric, GENERATED)) for metric in electricity.metrics)

    assert per_run == 172
    # The cross-check: éCO2mix's answers against ODRE's, the same figures.
    assert values_at(store, 'elec_france.feed.mismatches', GENERATED) == [0]
    metadata = {line.split(',')[0] for line in (REPOSITORY / 'metadata.csv').read_text().splitlines()[1:]}
    assert electricity.metrics == {name for name in metadata if name.startswith('elec_france.')}


def test_random_number_runs_every_45_seconds_with_its_seeded_generator(two_hours):
    store, _, random_number = two_hours
    points = store.points('my_metric')

    assert (random_number.first, random_number.last, random_number.interval) == (utc(22, 21, 9), GENERATED, 45)
    assert [point.timestamp for point in points] == [utc(22, 21, 9).timestamp() + 45 * run for run in range(161)]
    generator = random.Random(checkruns.RANDOM_NUMBER_SEED)
    assert [point.value for point in points] == [generator.randint(0, 1000) for _ in range(161)]
    assert {point.tags for point in points} == {frozenset({f'host:{HOST}'})}


def test_every_dashboard_query_reads_what_the_checks_emit_or_an_agent_integration(two_hours):
    store, _, _ = two_hours
    queries = [query for board in dry_run_dashboards() for query in dashboard.queries_of(board)]

    external = {parse(query).metric for query in queries if dashboard.external_source(parse(query).metric)}
    assert external == {'mysql.performance.cpu_time'}
    assert not external & set(store.metric_names())
    empty = [query for query in queries if parse(query).metric not in external and not evaluate(query, store)]
    assert empty == []


def test_a_query_that_reads_nothing_stops_the_rendering(tmp_path):
    [board] = [board for board in dry_run_dashboards() if board['title'].startswith('Datadog exercise')]

    with pytest.raises(dashboard.PreviewError, match=r'avg:my_metric\{host:demo-host\} matches nothing'):
        dashboard.render(board, MetricStore(), tmp_path / 'board.png')


def test_every_dry_run_dashboard_renders_to_a_png_within_300_kb(two_hours, tmp_path):
    store, _, _ = two_hours

    for position, board in enumerate(dry_run_dashboards()):
        path = dashboard.render(board, store, tmp_path / f'{position}.png')

        header = path.read_bytes()[:24]
        assert header[:8] == b'\x89PNG\r\n\x1a\n'
        width, height = struct.unpack('>II', header[16:24])
        assert (width, height > 400) == (1674, True)  # three 6.2-inch columns at 90 dpi
        assert path.stat().st_size < 300_000


def test_a_recording_without_its_generation_time_cannot_be_replayed_through_time():
    undated = MIX.replace(b'<date_actuelle>2023-09-22 00:21:09</date_actuelle>', b'')

    with pytest.raises(checkruns.CheckRunError) as raised:
        checkruns.run_elec_france(MetricStore(), replace(RECORDINGS, mix=undated), HOST, hours=1)

    assert str(raised.value) == (
        'the type=mix recording needs a date_actuelle and a complete quarter-hour: without them, '
        'when each quarter-hour was published is unknown'
    )
