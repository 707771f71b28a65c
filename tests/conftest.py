import pytest

import mysql_server


@pytest.fixture
def agent_layout(tmp_path):
    """An empty Agent configuration folder: checks.d and conf.d."""
    (tmp_path / 'checks.d').mkdir()
    (tmp_path / 'conf.d').mkdir()
    return tmp_path


@pytest.fixture(scope='session')
def mariadb_server(tmp_path_factory):
    """One MariaDB server for the session (tests/mysql_server.py), started on first use."""
    with mysql_server.started(tmp_path_factory.mktemp('mariadb')) as server:
        yield server


@pytest.fixture
def mariadb(mariadb_server):
    """The session's server, with the accounts it had when it was installed."""
    mariadb_server.reset()
    return mariadb_server
