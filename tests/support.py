"""Helpers shared by the tests (conftest.py only holds fixtures: a nested conftest would shadow its names)."""

import os
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / 'fixtures'


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
