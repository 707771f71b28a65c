"""The runner's persistent cache: the Agent's contract, on whatever the run path holds.

The Agent (pkg/persistentcache/persistentcache.go Read/Write, pkg/collector/python/datadog_agent.go
ReadPersistentCache/WritePersistentCache, rtloader's datadog_agent.c read_persistent_cache): a missing entry
reads as '', an entry that cannot be read raises RuntimeError('failed to read data') in the check, the value
ends at the first NUL and must be UTF-8 (UnicodeDecodeError otherwise), a failed write is only logged.
The runner keeps that contract and reads or writes nothing through a link, a FIFO or an oversized file.
"""

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datadog_exercise.runner import persistentcache
from datadog_exercise.runner.builtins import DatadogAgent

from support import run_check, write_check

KEY = 'probe:abc123_state'  # what AgentCheck builds: <check name>:<persistent cache id>_<key>


def agent(run_path):
    reports = []
    return DatadogAgent('host', run_path, report=reports.append), reports


def entry(run_path):
    return Path(run_path) / 'probe' / 'abc123_state'


def plant(run_path, content):
    path = entry(run_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_a_missing_entry_reads_empty_and_a_written_one_reads_back(tmp_path):
    datadog_agent, reports = agent(tmp_path)

    assert datadog_agent.read_persistent_cache(KEY) == ''
    datadog_agent.write_persistent_cache(KEY, '{"état": 1}')

    assert datadog_agent.read_persistent_cache(KEY) == '{"état": 1}'
    assert entry(tmp_path).stat().st_mode & 0o777 == 0o600
    assert entry(tmp_path).parent.stat().st_mode & 0o777 == 0o700
    assert reports == []


def test_keys_become_file_names_as_get_file_for_key_cleans_them(tmp_path):
    """persistentcache.go getFileForKey: split at the first ':', characters outside [a-zA-Z0-9_-] removed."""
    datadog_agent, _ = agent(tmp_path)

    datadog_agent.write_persistent_cache('my.check:name:a b/../c_state', 'x')
    datadog_agent.write_persistent_cache('nocolon', 'y')

    assert (tmp_path / 'mycheck' / 'nameabc_state').read_text() == 'x'
    assert (tmp_path / 'nocolon').read_text() == 'y'


def test_a_directory_at_the_entry_is_a_read_failure_named_in_a_clear_line(tmp_path):
    entry(tmp_path).mkdir(parents=True)
    datadog_agent, reports = agent(tmp_path)

    with pytest.raises(RuntimeError, match=r'^failed to read data$'):
        datadog_agent.read_persistent_cache(KEY)

    assert reports == [
        'ERROR | (pkg/collector/python/datadog_agent.go in ReadPersistentCache) | '
        f'Failed to read cache {KEY}: {entry(tmp_path)} is not a regular file'
    ]


def test_bytes_that_are_not_utf8_raise_unicode_decode_error_as_in_the_agent(tmp_path):
    plant(tmp_path, b'{"a": "\xff"}')
    datadog_agent, reports = agent(tmp_path)

    with pytest.raises(UnicodeDecodeError):
        datadog_agent.read_persistent_cache(KEY)

    assert reports == [
        'ERROR | (pkg/collector/python/datadog_agent.go in ReadPersistentCache) | '
        f'Cache {KEY} is not UTF-8: the check gets UnicodeDecodeError'
    ]


def test_the_value_ends_at_the_first_nul_byte_like_a_c_string(tmp_path):
    plant(tmp_path, b'kept\x00dropped \xff')

    assert agent(tmp_path)[0].read_persistent_cache(KEY) == 'kept'


@pytest.mark.parametrize('kind', ['link to a file', 'dangling link', 'fifo', 'oversized'])
def test_links_fifos_and_oversized_files_are_not_read(tmp_path, kind):
    path = entry(tmp_path)
    path.parent.mkdir(parents=True)
    secret = tmp_path / 'secret'
    secret.write_text('not for the check')
    if kind == 'link to a file':
        path.symlink_to(secret)
    elif kind == 'dangling link':
        path.symlink_to(tmp_path / 'nowhere')
    elif kind == 'fifo':
        os.mkfifo(path)  # nobody writes to it: reading it would block for ever
    else:
        with open(path, 'wb') as oversized:
            oversized.truncate(persistentcache.MAX_BYTES + 1)
    datadog_agent, reports = agent(tmp_path)

    with pytest.raises(RuntimeError, match='failed to read data'):
        datadog_agent.read_persistent_cache(KEY)

    reason = {
        'link to a file': 'is a symbolic link',
        'dangling link': 'is a symbolic link',
        'fifo': 'is not a regular file',
        'oversized': f'is larger than {persistentcache.MAX_BYTES} bytes',
    }[kind]
    assert reports[0].endswith(f'{path} {reason}')


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads any file')
def test_an_unreadable_entry_is_a_read_failure(tmp_path):
    plant(tmp_path, b'x').chmod(0)
    datadog_agent, reports = agent(tmp_path)

    with pytest.raises(RuntimeError, match='failed to read data'):
        datadog_agent.read_persistent_cache(KEY)

    assert 'Permission denied' in reports[0]


def test_a_write_never_goes_through_a_planted_link(tmp_path):
    victim = tmp_path / 'victim'
    victim.write_text('precious')
    path = entry(tmp_path)
    path.parent.mkdir(parents=True)
    path.symlink_to(victim)
    for name in (f'{path.name}.tmp', f'.{path.name}.tmp'):  # predictable temporary names, planted too
        (path.parent / name).symlink_to(victim)
    datadog_agent, _ = agent(tmp_path)

    datadog_agent.write_persistent_cache(KEY, 'new state')

    assert victim.read_text() == 'precious'
    assert not path.is_symlink() and path.read_text() == 'new state'


def test_a_cache_folder_that_is_a_link_is_neither_read_nor_written(tmp_path):
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    (tmp_path / 'run').mkdir()
    (tmp_path / 'run' / 'probe').symlink_to(elsewhere)
    datadog_agent, reports = agent(tmp_path / 'run')

    datadog_agent.write_persistent_cache(KEY, 'x')
    with pytest.raises(RuntimeError, match='failed to read data'):
        datadog_agent.read_persistent_cache(KEY)

    assert list(elsewhere.iterdir()) == []
    assert [line.endswith('run/probe is a symbolic link') for line in reports] == [True, True]


def test_a_failed_write_is_reported_and_never_raised(tmp_path):
    entry(tmp_path).mkdir(parents=True)  # os.replace cannot put a file over a directory
    datadog_agent, reports = agent(tmp_path)

    datadog_agent.write_persistent_cache(KEY, 'x')

    assert reports[0].startswith(
        f'ERROR | (pkg/collector/python/datadog_agent.go in WritePersistentCache) | Failed to write cache {KEY}: '
    )
    assert [p.name for p in entry(tmp_path).parent.iterdir()] == ['abc123_state']  # no temporary file left


@pytest.mark.parametrize(
    ('key', 'value', 'error'),
    [(1, 'x', TypeError), (KEY, b'x', TypeError), ('a\0b', 'x', ValueError), (KEY, 'x\0y', ValueError)],
)
def test_arguments_are_checked_as_rtloader_parses_them(tmp_path, key, value, error):
    """datadog_agent.c: PyArg_ParseTuple(args, "ss", ...): str only, no embedded NUL."""
    with pytest.raises(error):
        agent(tmp_path)[0].write_persistent_cache(key, value)


KINDS = ('missing', 'file', 'directory', 'link', 'dangling link', 'fifo', 'oversized')


def expected_read(kind, content):
    """The Agent's contract for one entry: ('value', text), ('error', RuntimeError) or ('error', UnicodeDecodeError)."""
    if kind == 'missing':
        return 'value', ''
    if kind != 'file':
        return 'error', RuntimeError
    value = content.split(b'\0', 1)[0]
    try:
        return 'value', value.decode('utf-8')
    except UnicodeDecodeError:
        return 'error', UnicodeDecodeError


@settings(max_examples=80, deadline=None)
@given(kind=st.sampled_from(KINDS), content=st.binary(max_size=64), value=st.text(max_size=32))
def test_any_entry_reads_per_the_agent_contract_and_writes_never_raise(kind, content, value):
    """Property: whatever the run path holds, a read returns the value or raises only RuntimeError or
    UnicodeDecodeError (as the Agent's rtloader does), promptly; a write never raises and never touches
    anything outside the entry."""
    value = value.replace('\0', '')
    with tempfile.TemporaryDirectory() as run_path:
        path = entry(run_path)
        path.parent.mkdir(parents=True)
        outside = Path(run_path) / 'outside'
        outside.write_bytes(content)
        if kind == 'file':
            path.write_bytes(content)
        elif kind == 'directory':
            path.mkdir()
        elif kind == 'link':
            path.symlink_to(outside)
        elif kind == 'dangling link':
            path.symlink_to(Path(run_path) / 'nowhere')
        elif kind == 'fifo':
            os.mkfifo(path)
        elif kind == 'oversized':
            with open(path, 'wb') as oversized:
                oversized.truncate(persistentcache.MAX_BYTES + 1)
        datadog_agent, reports = agent(run_path)

        outcome, expected = expected_read(kind, content)
        if outcome == 'value':
            assert datadog_agent.read_persistent_cache(KEY) == expected
        else:
            with pytest.raises(expected):
                datadog_agent.read_persistent_cache(KEY)
            assert len(reports) == 1

        datadog_agent.write_persistent_cache(KEY, value)
        assert outside.read_bytes() == content
        if kind != 'directory':
            assert datadog_agent.read_persistent_cache(KEY) == value


def test_a_check_reading_a_broken_cache_fails_its_run_as_in_the_agent_with_no_runner_traceback(agent_layout):
    """End to end: the check's own traceback ends in the Agent's RuntimeError, the runner says why on stderr."""
    source = (
        'from datadog_checks.base import AgentCheck\n\n\n'
        'class Probe(AgentCheck):\n'
        '    def check(self, instance):\n'
        "        self.read_persistent_cache('state')\n"
    )
    write_check(agent_layout, 'probe', source, 'instances:\n  - {}\n')
    first = run_check(agent_layout, 'probe')
    instance_id = first.stdout.split('Instance ID: probe:')[1].split()[0]
    cache = agent_layout / 'run' / 'probe' / f'{instance_id}_state'
    cache.mkdir(parents=True)

    result = run_check(agent_layout, 'probe')

    assert result.returncode == 1
    assert '      Error: failed to read data\n' in result.stdout
    assert '      RuntimeError: failed to read data\n' in result.stdout
    assert 'datadog_exercise/runner' not in result.stdout + result.stderr
    assert result.stderr == (
        'ERROR | (pkg/collector/python/datadog_agent.go in ReadPersistentCache) | '
        f'Failed to read cache probe:{instance_id}_state: {cache} is not a regular file\n'
    )
