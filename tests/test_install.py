"""`datadog-exercise install`, and the installed checks loaded and run the way the Agent loads them."""

import getpass
import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
from pathlib import Path

import pytest

from datadog_exercise import __version__, paths

from feedserver import Answer, FeedServer
from support import FIXTURES, REPOSITORY, embedded_pip, run_cli


def install(agent_dir, *args):
    return run_cli('install', '--agent-dir', agent_dir, *args)


def tree(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob('*'))


def test_dry_run_prints_each_step_and_changes_nothing(tmp_path):
    result = install(tmp_path, '--check', 'random_number', '--dry-run')

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f'would copy random_number.py to {tmp_path}/checks.d/random_number.py',
        f'would write {tmp_path}/conf.d/random_number.d/conf.yaml',
    ]
    assert tree(tmp_path) == []


def test_install_puts_the_check_in_checks_d_and_its_config_in_conf_d(tmp_path):
    result = install(tmp_path, '--check', 'random_number')

    assert result.returncode == 0, result.stderr
    module = tmp_path / 'checks.d' / 'random_number.py'
    config = tmp_path / 'conf.d' / 'random_number.d' / 'conf.yaml'
    assert module.read_bytes() == (paths.CHECKSD / 'random_number.py').read_bytes()
    assert config.read_bytes() == (paths.confd() / 'random_number.d' / 'conf.yaml').read_bytes()
    assert oct(module.stat().st_mode & 0o777) == '0o644'
    assert oct(config.stat().st_mode & 0o777) == '0o640'


def test_a_second_install_changes_nothing(tmp_path):
    install(tmp_path, '--check', 'random_number')
    before = {path: path.stat().st_mtime_ns for path in tmp_path.rglob('*')}

    result = install(tmp_path, '--check', 'random_number')

    assert {path: path.stat().st_mtime_ns for path in tmp_path.rglob('*')} == before
    assert 'keep' in result.stdout and 'already up to date' in result.stdout


def test_an_edited_config_is_kept_and_the_new_one_written_beside_it(tmp_path):
    install(tmp_path, '--check', 'random_number')
    config = tmp_path / 'conf.d' / 'random_number.d' / 'conf.yaml'
    edited = config.read_text().replace('min_collection_interval: 45', 'min_collection_interval: 60')
    config.write_text(edited)

    result = install(tmp_path, '--check', 'random_number')

    assert config.read_text() == edited
    example = config.with_name('conf.yaml.example')
    assert example.read_bytes() == (paths.confd() / 'random_number.d' / 'conf.yaml').read_bytes()
    assert f'keep {config}: it differs from the shipped configuration, so it is yours' in result.stdout


def test_uninstall_removes_what_install_put_and_keeps_what_the_user_edited(tmp_path):
    install(tmp_path, '--check', 'random_number')
    config = tmp_path / 'conf.d' / 'random_number.d' / 'conf.yaml'
    config.write_text(config.read_text() + '# mine\n')
    install(tmp_path, '--check', 'random_number')

    result = install(tmp_path, '--check', 'random_number', '--uninstall')

    assert result.returncode == 0, result.stderr
    assert tree(tmp_path) == ['checks.d', 'conf.d', 'conf.d/random_number.d', 'conf.d/random_number.d/conf.yaml']


def test_files_belong_to_the_owner_when_that_user_exists(tmp_path):
    owner = 'nobody' if os.geteuid() == 0 else getpass.getuser()

    install(tmp_path, '--check', 'random_number', '--owner', owner)

    uid = pwd.getpwnam(owner).pw_uid
    assert (tmp_path / 'checks.d' / 'random_number.py').stat().st_uid == uid
    assert (tmp_path / 'conf.d' / 'random_number.d' / 'conf.yaml').stat().st_uid == uid


def test_a_missing_owner_leaves_ownership_alone(tmp_path):
    result = install(tmp_path, '--check', 'random_number', '--owner', 'no-such-user-here')

    assert result.returncode == 0, result.stderr
    assert (tmp_path / 'checks.d' / 'random_number.py').stat().st_uid == os.geteuid()


# ---- installed like the Agent ---------------------------------------------------------------------------------

# Loads a check by name with the Agent's rules, with nothing on sys.path but the standard library,
# site-packages and checks.d (appended last, as the Agent does). Prints what each instance submitted.
AGENT_LIKE_LOADER = textwrap.dedent(
    """
    import importlib, inspect, json, sys
    sys.path[:] = json.loads(sys.argv[1])
    name, config_path = sys.argv[2], sys.argv[3]
    import yaml
    from datadog_checks.base import AgentCheck
    from datadog_checks.base.stubs import aggregator

    for module_name in ('datadog_checks.' + name, name):
        try:
            module = importlib.import_module(module_name)
            break
        except ImportError:
            continue
    [check_class] = [
        klass for _, klass in sorted(inspect.getmembers(module, inspect.isclass))
        if issubclass(klass, AgentCheck) and klass is not AgentCheck and not klass.__subclasses__()
    ][:1]
    config = yaml.safe_load(open(config_path))
    runs = []
    for instance in config['instances']:
        check = check_class(name=name, init_config=config.get('init_config') or {}, instances=(instance,))
        check.check_id = name + ':installed'
        aggregator.reset()
        error = check.run()
        runs.append({
            'error': error,
            'interval': instance.get('min_collection_interval'),
            'metrics': [[m.name, m.value, list(m.tags)]
                        for metric in aggregator.metric_names for m in aggregator.metrics(metric)],
        })
    loaded = {n: getattr(m, '__file__', None) for n, m in sys.modules.items() if n.startswith('datadog_exercise')}
    print(json.dumps({'module': module.__file__, 'version': getattr(module, '__version__', None),
                      'sys_path': sys.path, 'package_modules': loaded, 'runs': runs}))
    """
)


def agent_like_run(agent_dir, name, extra_site=()):
    stdlib = [
        sysconfig.get_path('stdlib'),
        sysconfig.get_path('platstdlib'),
        f'{sysconfig.get_path("stdlib")}/lib-dynload',
    ]
    search_path = [*stdlib, *extra_site, sysconfig.get_path('purelib'), str(agent_dir / 'checks.d')]
    config = agent_dir / 'conf.d' / f'{name}.d' / 'conf.yaml'
    result = subprocess.run(
        [sys.executable, '-S', '-c', AGENT_LIKE_LOADER, json.dumps(search_path), name, str(config)],
        capture_output=True,
        text=True,
        cwd=agent_dir,
        env={'PATH': os.environ['PATH'], 'TZ': 'UTC'},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_random_number_installed_like_the_agent_runs_from_checks_d(tmp_path):
    install(tmp_path, '--check', 'random_number')

    loaded = agent_like_run(tmp_path, 'random_number')

    assert loaded['module'] == str(tmp_path / 'checks.d' / 'random_number.py')
    assert loaded['version'] == '1.0.0'
    assert str(REPOSITORY) not in loaded['sys_path']
    assert loaded['package_modules'] == {}  # self-contained: nothing of this package is imported
    [run] = loaded['runs']
    assert run['error'] == ''
    assert run['interval'] == 45
    [[metric, value, tags]] = run['metrics']
    assert metric == 'my_metric' and tags == []
    assert value == int(value) and 0 <= value <= 1000


def test_elec_france_installed_like_the_agent_runs_from_checks_d_with_the_package_in_the_agents_python(tmp_path):
    embedded_site, pip = embedded_pip(tmp_path)
    agent_dir = tmp_path / 'agent'

    result = install(agent_dir, '--embedded-pip', pip)

    assert result.returncode == 0, result.stderr
    assert f"install {REPOSITORY} into the Agent's Python for elec_france: {pip} install" in result.stdout
    assert '--no-deps' in result.stdout  # the Agent's own libraries are never replaced
    assert (embedded_site / 'datadog_exercise' / 'elec_france' / 'check.py').is_file()
    assert f'cannot check the import: no python next to {pip}' in result.stdout
    with FeedServer() as server:
        server.serve('mix', Answer((FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes()))
        config = agent_dir / 'conf.d' / 'elec_france.d' / 'conf.yaml'
        config.write_text(
            config.read_text().replace(
                '  - min_collection_interval: 60\n',
                f'  - min_collection_interval: 60\n    eco2mix_url: {server.eco2mix_url}\n'
                '    source: eco2mix\n    clock: document\n    co2: false\n',
            )
        )

        loaded = agent_like_run(agent_dir, 'elec_france', extra_site=[str(embedded_site)])

    assert loaded['module'] == str(agent_dir / 'checks.d' / 'elec_france.py')
    assert loaded['version'] == __version__
    assert loaded['package_modules']
    assert all(path.startswith(str(embedded_site)) for path in loaded['package_modules'].values() if path)
    [run] = loaded['runs']
    assert run['error'] == ''
    assert run['interval'] == 60
    assert ['elec_france.production', 37536.0, ['feed:eco2mix', 'fuel:nuclear']] in run['metrics']
    assert ['elec_france.data.age', 369.0, ['feed:eco2mix']] in run['metrics']


def embedded_python(folder, search_path):
    """A stand-in for the Agent's embedded python: this interpreter, with only `search_path` beyond the stdlib."""
    python = folder / 'python3'
    python.write_text(f'#!/bin/sh\nPYTHONPATH={":".join(map(str, search_path))} exec {sys.executable} -S "$@"\n')
    python.chmod(0o755)


@pytest.mark.parametrize('with_package_dependencies', [True, False])
def test_the_installer_checks_that_the_agents_python_imports_the_check(tmp_path, with_package_dependencies):
    embedded_site, pip = embedded_pip(tmp_path)
    # Without the Agent's own libraries (datadog_checks, lxml...) the import must fail, and say so.
    dependencies = [sysconfig.get_path('purelib')] if with_package_dependencies else []
    embedded_python(pip.parent, [embedded_site, *dependencies])

    result = install(tmp_path / 'agent', '--check', 'elec_france', '--embedded-pip', pip)

    python = pip.with_name('python3')
    assert f"check that the Agent's Python ({python}) imports datadog_exercise.checks.elec_france" in result.stdout
    if with_package_dependencies:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1
        assert result.stderr == (
            "Error: the Agent's Python cannot import the check (ModuleNotFoundError: No module named "
            f"'datadog_checks'): install what is missing with {pip} install <package>\n"
        )


def test_without_an_embedded_pip_the_installer_says_exactly_what_to_run(tmp_path):
    result = install(tmp_path, '--check', 'elec_france', '--dry-run')

    assert result.stdout.splitlines()[-1] == (
        "elec_france needs the datadog-exercise package in the Agent's embedded Python, and no embedded pip was "
        f'found; run: sudo -Hu dd-agent /opt/datadog-agent/embedded/bin/pip install --no-deps {REPOSITORY}'
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the Agent's pip as another user")
def test_as_root_the_agents_pip_and_python_run_as_the_agents_user_with_its_home(tmp_path):
    """sudo -Hu dd-agent, as Datadog's guide installs packages into the Agent's Python (nobody plays dd-agent)."""
    try:
        user = pwd.getpwnam('nobody')
    except KeyError:
        pytest.skip('no nobody user on this machine')
    shared = Path(tempfile.mkdtemp(prefix='agent-pip-'))  # pytest's tmp_path is closed to other users
    try:
        shared.chmod(0o777)
        record = shared / 'record'
        for program in ('pip', 'python3'):
            stand_in = shared / program
            stand_in.write_text(f'#!/bin/sh\n{{ echo {program} $(id -un) "$HOME" "$(pwd)"; }} >> {record}\n')
            stand_in.chmod(0o755)

        result = install(
            tmp_path / 'agent', '--check', 'elec_france', '--owner', 'nobody', '--embedded-pip', shared / 'pip'
        )

        assert result.returncode == 0, result.stderr
        assert f"into the Agent's Python for elec_france (as nobody): {shared}/pip install" in result.stdout
        assert record.read_text().splitlines() == [f'pip nobody {user.pw_dir} /', f'python3 nobody {user.pw_dir} /']
    finally:
        shutil.rmtree(shared)
