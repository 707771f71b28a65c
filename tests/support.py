"""Helpers shared by the tests (conftest.py only holds fixtures: a nested conftest would shadow its names)."""

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import strategies as st

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
