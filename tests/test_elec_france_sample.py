"""The recording the package ships (`--replay sample`): inside the wheel and the sdist, replayed by the installed
package from any folder without network and labelled as recorded, the bare word `sample` always meaning it, and a
tampered copy refused.

The package is built once (hatchling's build backend, as `python -m build` calls it) and installed into a fresh
virtualenv that borrows this one's dependencies, from which every command here runs, in a folder outside the
checkout, with the HTTP proxies on a closed port: a command that reached past loopback would fail.
"""

import contextlib
import csv
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from datetime import datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadog_exercise import __version__, cli, paths
from datadog_exercise.eco2mix.labels import CORE_SERIES, ODRE_FIELDS
from datadog_exercise.eco2mix.slots import PARIS
from datadog_exercise.elec_france import feeds
from datadog_exercise.elec_france.answer import parsed, reported_snapshot
from datadog_exercise.elec_france.config import parse_config
from datadog_exercise.elec_france.recording import RecordingError, load

from support import FIXTURES, REPOSITORY, virtualenv_sharing_the_test_dependencies

SAMPLE_FILES = sorted(path.name for path in paths.SAMPLE_FOLDER.iterdir())
IN_PACKAGE = paths.SAMPLE_FOLDER.relative_to(REPOSITORY).as_posix()  # datadog_exercise/elec_france/samples/...
RECORDING = load(paths.SAMPLE_FOLDER)
LABEL = (
    "Replaying the recording shipped with datadog-exercise (RTE's published figures) as at "
    f'{RECORDING.recorded_at.astimezone(PARIS):%Y-%m-%d %H:%M} Paris: not live data.'
)
ONLY_ELEC_FRANCE = 'Error: --replay replays eCO2mix answers: it is for the elec_france check only'
BARE_WORD_NOTE = (
    '--replay sample is the recording shipped with datadog-exercise, not the sample here: write ./sample to replay '
    'that one.'
)


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """(wheel, sdist) of this checkout."""
    dist = tmp_path_factory.mktemp('dist')
    build = 'import sys, hatchling.build as backend; backend.build_sdist(sys.argv[1]); backend.build_wheel(sys.argv[1])'
    subprocess.run([sys.executable, '-c', build, dist], cwd=REPOSITORY, check=True, capture_output=True)
    [wheel], [sdist] = dist.glob('*.whl'), dist.glob('*.tar.gz')
    return wheel, sdist


@pytest.fixture(scope='module')
def installed(built, tmp_path_factory):
    """The bin folder of a fresh virtualenv into which the wheel is installed, offline, without its dependencies."""
    venv = virtualenv_sharing_the_test_dependencies(tmp_path_factory.mktemp('installed') / 'venv')
    pip = [venv / 'bin' / 'python', '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check']
    subprocess.run([*pip, '--no-deps', '--no-index', built[0]], check=True, capture_output=True)
    return venv / 'bin'


@pytest.fixture
def elsewhere(tmp_path):
    """An empty folder outside the checkout to run the commands from."""
    folder = tmp_path / 'elsewhere'
    folder.mkdir()
    assert not folder.resolve().is_relative_to(REPOSITORY)
    return folder


def run(installed, cwd, *args):
    """`datadog-exercise ARGS` of the installed package, offline, in `cwd`."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith(('DD_', 'DATADOG_'))}
    environment |= {
        'HOME': str(cwd),
        'XDG_CACHE_HOME': str(cwd / '.cache'),
        'DD_HOSTNAME': 'vm',
        'TZ': 'UTC',
        'HTTP_PROXY': 'http://127.0.0.1:9',
        'HTTPS_PROXY': 'http://127.0.0.1:9',
        'NO_PROXY': '127.0.0.1,localhost',
    }
    for name in ('http_proxy', 'https_proxy', 'no_proxy'):
        environment.pop(name, None)
    command = [installed / 'datadog-exercise', *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)


def last_values(stdout):
    """{(metric, tags): value} of the last submission of each context of `check --json`'s output."""
    [instance] = json.loads(stdout)
    series = instance['aggregator']['metrics']
    return {(metric['metric'], tuple(sorted(metric['tags']))): metric['points'][-1][1] for metric in series}


def national_mix(snapshot):
    """What the check reports of a quarter-hour's national mix, as (metric, tags): value."""
    production = snapshot.production.items()
    return {('elec_france.production', ('feed:eco2mix', f'fuel:{fuel}')): value for fuel, value in production} | {
        ('elec_france.pumping', ('feed:eco2mix',)): snapshot.pumping,
        ('elec_france.exchange.balance', ('feed:eco2mix',)): snapshot.exchange_balance,
        ('elec_france.consumption', ('feed:eco2mix',)): snapshot.consumption,
    }


def latest_quarter_hour(body, now):
    """The quarter-hour the parser gives for a type=mix answer at `now`: the latest complete one."""
    return reported_snapshot(parsed(feeds.ECO2MIX_MIX, body, parse_config({})), now)


SAMPLE_QUARTER_HOUR = latest_quarter_hour(RECORDING.bodies()[feeds.ECO2MIX_MIX], RECORDING.recorded_at.timestamp())


# ---- packaging ----------------------------------------------------------------------------------------------------


def test_the_wheel_holds_the_sample_as_committed(built):
    with zipfile.ZipFile(built[0]) as wheel:
        for name in SAMPLE_FILES:
            assert wheel.read(f'{IN_PACKAGE}/{name}') == (paths.SAMPLE_FOLDER / name).read_bytes(), name


def test_the_sdist_holds_the_sample_and_the_place_to_drop_recordings(built):
    top = f'datadog_exercise-{__version__}'
    with tarfile.open(built[1]) as sdist:
        for name in SAMPLE_FILES:
            assert sdist.extractfile(f'{top}/{IN_PACKAGE}/{name}').read() == (paths.SAMPLE_FOLDER / name).read_bytes()
        assert f'{top}/tests/fixtures/recordings/README.md' in sdist.getnames()


def test_the_sample_is_rtes_published_figures_for_its_latest_quarter_hour():
    with (FIXTURES / 'rte_figures_2023-09-21_22.csv').open(encoding='utf-8') as handle:
        [row] = [
            row
            for row in csv.DictReader(handle)
            if datetime.fromisoformat(row['date_heure']) == SAMPLE_QUARTER_HOUR.start
        ]
    published = {key: float(row[field]) for field, key in ODRE_FIELDS.items() if key in CORE_SERIES}

    assert SAMPLE_QUARTER_HOUR.start.astimezone(PARIS).isoformat() == '2023-09-22T02:00:00+02:00'
    assert published == {key: SAMPLE_QUARTER_HOUR.values[key] for key in CORE_SERIES}


# ---- the installed package, from a folder outside the checkout, offline ------------------------------------------


def test_check_replays_the_shipped_sample_labelled_as_recorded(installed, elsewhere):
    result = run(installed, elsewhere, 'check', 'elec_france', '--replay', 'sample', '--json')

    assert result.returncode == 0, result.stderr
    assert result.stderr == LABEL + '\n'
    replayed = last_values(result.stdout)
    assert {key: replayed.get(key) for key in national_mix(SAMPLE_QUARTER_HOUR)} == national_mix(SAMPLE_QUARTER_HOUR)
    # Its time is the recording's: the quarter-hour of 02:00 Paris, six minutes and nine seconds old at 02:21:09.
    age = RECORDING.recorded_at - SAMPLE_QUARTER_HOUR.end
    assert replayed[('elec_france.data.age', ('feed:eco2mix',))] == age.total_seconds()


def test_doctor_examines_the_installed_sample_and_finds_nothing_wrong(installed, elsewhere):
    result = run(installed, elsewhere, 'doctor', '--replay', 'sample')

    assert result.returncode == 0, result.stdout
    assert result.stderr == LABEL + '\n'
    heading = result.stdout.splitlines()[0]
    folder = Path(heading.removeprefix('elec_france doctor: the recording ').partition(', as at its time')[0])
    assert (
        folder.is_relative_to(installed.parent.resolve()) and folder.name == paths.SAMPLE_FOLDER.name
    )  # the wheel's copy
    assert result.stdout.endswith('No problem found.\n')


def test_plot_draws_the_shipped_sample(installed, elsewhere):
    result = run(installed, elsewhere, 'plot', '--replay', 'sample', '--output', 'x.png')

    assert result.returncode == 0, result.stderr
    assert result.stderr == LABEL + '\n'
    assert (elsewhere / 'x.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_a_local_file_named_sample_is_dot_slash_sample_and_the_bare_word_stays_the_shipped_one(installed, elsewhere):
    local = FIXTURES / 'eco2mix_mix_2023-09-21_22_after_midnight.xml'
    shutil.copy(local, elsewhere / 'sample')

    as_local = run(installed, elsewhere, 'check', 'elec_france', '--replay', './sample', '--json')
    as_shipped = run(installed, elsewhere, 'check', 'elec_france', '--replay', 'sample', '--json')

    assert as_local.returncode == 0, as_local.stderr
    assert as_local.stderr == ''
    local_quarter_hour = latest_quarter_hour(local.read_bytes(), RECORDING.recorded_at.timestamp())
    assert local_quarter_hour.start != SAMPLE_QUARTER_HOUR.start
    assert last_values(as_local.stdout).items() >= national_mix(local_quarter_hour).items()
    assert as_shipped.returncode == 0, as_shipped.stderr
    assert as_shipped.stderr.splitlines() == [BARE_WORD_NOTE, LABEL]
    assert last_values(as_shipped.stdout).items() >= national_mix(SAMPLE_QUARTER_HOUR).items()


def test_a_local_folder_named_sample_is_named_and_replayed_as_dot_slash_sample(installed, elsewhere):
    shutil.copytree(paths.SAMPLE_FOLDER, elsewhere / 'sample')

    bare = run(installed, elsewhere, 'doctor', '--replay', 'sample')
    local = run(installed, elsewhere, 'doctor', '--replay', './sample')

    assert bare.stderr.splitlines() == [BARE_WORD_NOTE, LABEL]
    assert local.returncode == 0, local.stdout
    assert local.stderr == ''  # a copy elsewhere is not the package's: no label
    assert local.stdout.startswith('elec_france doctor: the recording ./sample, as at its time')


def test_the_sample_is_for_elec_france_only(installed, elsewhere):
    result = run(installed, elsewhere, 'check', 'random_number', '--replay', 'sample')

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == ONLY_ELEC_FRANCE
    assert result.stdout == ''


# ---- the argument, and a tampered copy ----------------------------------------------------------------------------

ODD_NAMES = ['sample', './sample', 'sample/', 'Sample', ' sample', 'sample\n', '', '.', '..', '/', '~', '-', '\0']
REPLAY_TYPES = [cli.ReplayPath(exists=True), cli.ReplayPath(file_okay=False, exists=True)]  # check and plot; doctor


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.one_of(st.sampled_from(ODD_NAMES), st.text(), st.text(alphabet='sample./\\~\0\ud800 ', max_size=12)),
    replay_type=st.sampled_from(REPLAY_TYPES),
)
def test_a_replay_argument_is_the_sample_an_existing_path_or_a_usage_error(value, replay_type, elsewhere):
    with contextlib.chdir(elsewhere):
        try:
            replayed = replay_type.convert(value, None, None)
        except click.UsageError:
            assert value != 'sample'
            return

    assert (Path(elsewhere, replayed).resolve() == paths.SAMPLE_FOLDER) == (value == 'sample')
    assert Path(elsewhere, replayed).exists()


def copy_of_the_sample(folder):
    shutil.copytree(paths.SAMPLE_FOLDER, folder)
    return folder


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from([name for name in SAMPLE_FILES if name != 'manifest.json']),
    change=st.one_of(
        st.tuples(st.just('flip'), st.integers(min_value=0), st.integers(min_value=1, max_value=255)),
        st.tuples(st.just('cut'), st.integers(min_value=0), st.just(0)),
        st.tuples(st.just('add'), st.integers(min_value=0), st.integers(min_value=0, max_value=255)),
    ),
)
def test_any_change_to_a_copy_of_the_sample_is_refused_naming_the_file(name, change, tmp_path_factory):
    folder = copy_of_the_sample(tmp_path_factory.mktemp('tampered') / 'sample')
    body = bytearray((folder / name).read_bytes())
    how, position, byte = change
    position %= len(body)
    if how == 'flip':
        body[position] ^= byte
    elif how == 'cut':
        del body[position:]
    else:
        body.insert(position, byte)
    (folder / name).write_bytes(body)

    with pytest.raises(RecordingError) as refused:
        load(folder)

    assert str(folder / name) in str(refused.value)


def test_a_tampered_sample_is_refused_by_the_bare_word_with_the_loaders_error(tmp_path, monkeypatch):
    folder = copy_of_the_sample(tmp_path / 'sample')
    mix = folder / 'eco2mix_mix.xml'
    mix.write_bytes(mix.read_bytes().replace(b'36278', b'36279'))
    monkeypatch.setattr(paths, 'SAMPLE_FOLDER', folder)

    for command in (['check', 'elec_france'], ['doctor'], ['plot']):
        result = CliRunner().invoke(cli.main, [*command, '--replay', 'sample'])

        assert result.exit_code in (1, 2), command
        assert f'{mix} is not the body recorded: its sha256 differs from the manifest' in result.output, command
        assert 'Replaying' not in result.output


def test_the_sdist_holds_every_file_the_readme_and_the_docs_link_to(built):
    """Its tests include tests/test_docs.py, which needs them; a reader of the sdist gets the whole documentation."""
    top = f'datadog_exercise-{__version__}'
    linked = {'README.md', *(f'docs/{page.name}' for page in (REPOSITORY / 'docs').glob('*.md'))}
    linked |= {f'screenshots/{picture.name}' for picture in (REPOSITORY / 'screenshots').glob('*.png')}
    with tarfile.open(built[1]) as sdist:
        names = set(sdist.getnames())
    assert {f'{top}/{name}' for name in linked} <= names
