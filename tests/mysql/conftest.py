"""Fixtures of the MySQL tests: `datadog-exercise mysql ...` against the session's MariaDB (tests/conftest.py)."""

from dataclasses import dataclass
from pathlib import Path

import pytest

import mysql_server
from mysql_server import MariaDB, free_port


@pytest.fixture
def unused_port():
    return free_port()


@dataclass
class Command:
    """`datadog-exercise mysql ...` against the test server, checking that no password reaches the output."""

    server: MariaDB
    confd: Path

    @property
    def config(self):
        return self.confd / 'mysql.d' / 'conf.yaml'

    def setup(self, *args, admin_password=None, agent_password=None, prompt_input=None):
        admin_password = self.server.root_password if admin_password is None else admin_password
        environment = {'MYSQL_ADMIN_PASSWORD': None if prompt_input else admin_password}
        options = ['--port', str(self.server.port), '--confd', str(self.confd), *args]
        return self._invoke(['setup', *options], environment, agent_password, prompt_input, admin_password)

    def verify(self, *args, agent_password=None):
        options = ['--confd', str(self.confd), *args]
        return self._invoke(['verify', *options], {}, agent_password, None, None)

    def _invoke(self, args, environment, agent_password, prompt_input, admin_password):
        from click.testing import CliRunner

        from datadog_exercise.cli import main

        environment['DATADOG_MYSQL_PASSWORD'] = agent_password
        result = CliRunner().invoke(main, ['mysql', *args], env=environment, input=prompt_input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        secrets_seen = {self.server.root_password, admin_password, agent_password, self._written_password()}
        for secret in secrets_seen - {None, ''}:
            assert secret not in result.output
        return result

    def _written_password(self):
        import yaml

        if not self.config.exists():
            return None
        return yaml.safe_load(self.config.read_text())['instances'][0]['password']


@pytest.fixture
def command(mariadb, tmp_path):
    confd = tmp_path / 'conf.d'
    confd.mkdir()
    return Command(mariadb, confd)


@pytest.fixture(scope='session')
def mariadb_without_performance_schema(tmp_path_factory):
    """A second server, as MariaDB starts by default: performance_schema off. Started only by the tests that use it."""
    with mysql_server.started(tmp_path_factory.mktemp('mariadb-off'), performance_schema=False) as server:
        yield server


@pytest.fixture
def command_without_performance_schema(mariadb_without_performance_schema, tmp_path):
    mariadb_without_performance_schema.reset()
    confd = tmp_path / 'conf.d'
    confd.mkdir()
    return Command(mariadb_without_performance_schema, confd)
