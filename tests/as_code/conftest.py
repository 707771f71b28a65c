import pytest
from click.testing import CliRunner
from datadog_stand_in import API_KEY, APP_KEY, DatadogStandIn

from datadog_exercise.cli import main


@pytest.fixture
def stand_in():
    server = DatadogStandIn(API_KEY, APP_KEY).start()
    yield server
    server.stop()


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
