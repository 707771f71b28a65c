"""Helpers shared by the tests (conftest.py only holds fixtures: a nested conftest would shadow its names)."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

from hypothesis import strategies as st

REPOSITORY = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / 'fixtures'
# elec_france as it was before issues 11 and 12: the national mix only (the tests of the national feeds use it).
NATIONAL_ONLY = {'forecasts': False, 'grid_details': False, 'prices': False, 'cross_check': False}


def run_cli(*args, env=None, cwd=None, timeout=120):
    """`datadog-exercise ARGS` in a fresh interpreter, as a user runs it."""
    environment = {**os.environ, 'TZ': 'UTC', **(env or {})}
    return subprocess.run(
        [sys.executable, '-m', 'datadog_exercise', *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=timeout,
    )


def write_check(agent_dir, name, source, config):
    (agent_dir / 'checks.d' / f'{name}.py').write_text(source)
    folder = agent_dir / 'conf.d' / f'{name}.d'
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'conf.yaml').write_text(config)


def run_check(agent_dir, name, *args, env=None):
    """`datadog-exercise check NAME` on a temporary Agent layout's checks.d and conf.d, its own run path."""
    folders = ('--checksd', agent_dir / 'checks.d', '--confd', agent_dir / 'conf.d')
    return run_cli('check', name, *folders, '--run-path', agent_dir / 'run', *args, env=env)


@contextlib.contextmanager
def no_hang(seconds):
    """Fail with TimeoutError if the block runs longer than `seconds` (SIGALRM reaches a pure-Python loop),
    instead of hanging the suite: a loop whose bound comes from a feed can run for days."""

    def interrupt(*_):
        raise TimeoutError(f'still running after {seconds} s')

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


FRESH_RUN = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a MemoryError here, not the host's OOM killer
def peak_kib():
    return int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])
from datadog_exercise.elec_france.check import ElecFranceCheck
# The Agent's HTTP library, which the check imports at its first fetch (self.http): about 13 MiB, once per
# interpreter, whatever a server sends. Imported here, it is not counted as what the run adds.
import datadog_checks.base.utils.http
check = ElecFranceCheck('elec_france', {}, [json.loads(sys.argv[1])])
check.check_id = 'elec_france:fresh'
check.clock = lambda: float(sys.argv[2])
before = peak_kib()
started = time.monotonic()
error = check.run()
seconds = time.monotonic() - started
print(json.dumps({'seconds': seconds, 'peak_kib': peak_kib(), 'imports_kib': before, 'error': error}))
"""


def run_check_in_a_fresh_interpreter(instance, now, timeout=120):
    """One run of elec_france in a new interpreter: {'seconds', 'peak_kib' (VmHWM, this process only),
    'imports_kib' (the peak before the run, the Agent's HTTP library imported), 'error'}."""
    result = subprocess.run(
        [sys.executable, '-c', FRESH_RUN, json.dumps(instance), str(now)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPOSITORY,
    )
    if result.returncode:
        raise RuntimeError(f'the check run failed: {result.stderr[-2000:]}')
    return json.loads(result.stdout)


@st.composite
def mutated(draw, base, pieces, repeated=(b'<type', b'</type>')):
    """`base` (bytes) after one to six random edits: a cut, random bytes, one of `pieces`, random text after a
    `>` or in a `periode`, or a `repeated` element (from its start to its end marker) written twice."""
    body = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(body)))
        action = draw(st.sampled_from(['delete', 'insert', 'piece', 'value', 'periode', 'duplicate']))
        if action == 'delete':
            del body[position : position + draw(st.integers(1, 400))]
        elif action == 'insert':
            body[position:position] = draw(st.binary(min_size=1, max_size=20))
        elif action == 'piece':
            body[position:position] = draw(pieces)
        elif action in ('value', 'periode'):
            marker = b'>' if action == 'value' else b"periode='"
            found = body.find(marker, position)
            if found >= 0:
                body[found + len(marker) : found + len(marker)] = draw(st.text(max_size=12)).encode('utf-8', 'replace')
        else:
            start = body.find(repeated[0], position)
            end = body.find(repeated[1], start)
            if 0 <= start < end:
                body[start:start] = body[start : end + len(repeated[1])]
    return bytes(body)


def virtualenv_sharing_the_test_dependencies(path):
    """A fresh virtualenv that sees this one's packages (through a .pth file), so that pip installs only the
    package itself: downloading its dependencies would take minutes. This checkout's editable install is not seen
    (Python reads the .pth files of a site folder, not those of a folder that a .pth file adds)."""
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(path)], check=True)
    purelib = Path(sysconfig.get_path('purelib', vars={'base': str(path), 'platbase': str(path)}))
    (purelib / 'test-dependencies.pth').write_text(sysconfig.get_path('purelib') + '\n')
    return path


def embedded_pip(tmp_path):
    """A stand-in for /opt/datadog-agent/embedded/bin/pip: installs into its own site-packages folder."""
    embedded_site = tmp_path / 'embedded' / 'site-packages'
    pip = tmp_path / 'embedded' / 'pip'
    pip.parent.mkdir()
    pip.write_text(
        f'#!/bin/sh\nexec {sys.executable} -m pip "$@" --quiet --target {embedded_site} --no-deps '
        '--no-build-isolation\n'
    )
    pip.chmod(0o755)
    return embedded_site, pip


def stand_in_agent(folder, status):
    """A `datadog-agent` for the tests: `check NAME` is the project's runner on FOLDER/checks.d and FOLDER/conf.d
    (it prints what the Agent prints), `status --json` prints the file STATUS."""
    agent = folder / 'datadog-agent'
    agent.write_text(
        '#!/bin/sh\n'
        'case "$1" in\n'
        f'  check) exec {sys.executable} -m datadog_exercise check "$2" --checksd {folder}/checks.d '
        f'--confd {folder}/conf.d --run-path {folder}/run ;;\n'
        f'  status) cat {status} ;;\n'
        'esac\n'
    )
    agent.chmod(0o755)
    return agent
