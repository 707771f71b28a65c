from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from datadog_stand_in import API_KEY, APP_KEY, DatadogStandIn

from datadog_exercise.as_code import cli as as_code_cli
from datadog_exercise.cli import main

# A Wednesday, 13:00 in Paris: outside quiet hours.
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)


class Clock:
    """The time `apply` and the stand-in both read; tests move it."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def stand_in():
    server = DatadogStandIn(API_KEY, APP_KEY).start()
    yield server
    server.stop()


@pytest.fixture
def clock(monkeypatch, stand_in):
    """One clock for `apply` (its first starts, the quiet period under way) and for the stand-in's statuses."""
    clock = Clock(NOW)
    monkeypatch.setattr(as_code_cli, 'current_time', clock)
    stand_in.clock = clock
    return clock


@pytest.fixture
def datadog_env(monkeypatch, stand_in):
    """The environment of a user whose DD_API_URL points at the stand-in."""
    for name in ('DD_SITE', 'DD_HOSTNAME'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('DD_API_URL', stand_in.url)
    monkeypatch.setenv('DD_API_KEY', API_KEY)
    monkeypatch.setenv('DD_APP_KEY', APP_KEY)
    return stand_in


@pytest.fixture
def run():
    """Run `datadog-exercise ARGS...` in-process; the result has `exit_code`, `stdout` and `stderr`."""

    def run(*args):
        return CliRunner().invoke(main, list(args))

    return run
