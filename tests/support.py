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


def run_check(agent_dir, name, *args, env=None):
    """`datadog-exercise check NAME` on a temporary Agent layout's checks.d and conf.d, its own run path."""
    folders = ('--checksd', agent_dir / 'checks.d', '--confd', agent_dir / 'conf.d')
    return run_cli('check', name, *folders, '--run-path', agent_dir / 'run', *args, env=env)
