"""A real MariaDB server for the tests: a fresh datadir in a temp folder, a loopback port, a socket beside it.

The server is as `mariadb-install-db` leaves it, anonymous accounts included, with a root password set.
`tests/conftest.py` starts one per session; `MariaDB.reset` puts the accounts back before each test.
"""

import contextlib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pymysql
import pytest

SEARCH_PATH = os.pathsep.join([os.environ.get('PATH', ''), '/usr/sbin', '/usr/local/sbin'])
START_TIMEOUT = 30


@dataclass
class MariaDB:
    datadir: Path
    socket: str
    port: int
    root_password: str = field(repr=False)
    process: subprocess.Popen = None
    baseline: frozenset = frozenset()

    def admin(self):
        """A root connection through the unix socket, in autocommit mode (without PyMySQL's attempt at TLS, which
        costs 50 ms a connection and which the socket does not need)."""
        return pymysql.connect(
            unix_socket=self.socket,
            user='root',
            password=self.root_password,
            autocommit=True,
            connect_timeout=5,
            ssl_disabled=True,
        )

    def run(self, *statements):
        with self.admin() as connection, connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            return cursor.fetchall()

    @property
    def version(self):
        """As setup names the server, e.g. 'MariaDB 10.11.19'."""
        [(version,)] = self.run('SELECT VERSION()')
        return f'MariaDB {re.match(r"[0-9.]+[0-9]", version).group()}'

    def accounts(self):
        return frozenset(self.run('SELECT user, host FROM mysql.user'))

    def snapshot(self):
        """Every account's stored row (password, plugin, limits) and its grants, to compare before and after."""
        with self.admin() as connection, connection.cursor() as cursor:
            cursor.execute('SELECT user, host, priv FROM mysql.global_priv ORDER BY user, host')
            rows = cursor.fetchall()
            grants = {}
            for user, host, _ in rows:
                if host:
                    cursor.execute('SHOW GRANTS FOR %s@%s', (user, host))
                else:  # a role, such as PUBLIC
                    cursor.execute('SHOW GRANTS FOR %s', (user,))
                grants[user, host] = [row[0] for row in cursor.fetchall()]
        return rows, grants

    def reset(self):
        current = self.accounts()
        with self.admin() as connection, connection.cursor() as cursor:
            for user, host in current - self.baseline:
                cursor.execute('DROP USER %s@%s', (user, host))
            for user, host in self.baseline - current:
                cursor.execute('CREATE USER %s@%s', (user, host))


def binary(name):
    path = shutil.which(name, path=SEARCH_PATH)
    if path is None:
        message = f'{name} not found: install Debian package mariadb-server (scripts/test does)'
        if os.environ.get('CI') == 'true':
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _as_user():
    # mariadbd refuses to run as root unless told to, and then switches to the named user.
    return [f'--user={pwd.getpwuid(os.getuid()).pw_name}'] if os.getuid() == 0 else []


def _start(server, mariadbd, performance_schema, settings_file):
    log = server.datadir.parent / 'error.log'
    server.process = subprocess.Popen(
        [
            mariadbd,
            f'--defaults-file={settings_file}' if settings_file else '--no-defaults',
            f'--datadir={server.datadir}',
            f'--socket={server.socket}',
            f'--port={server.port}',
            '--bind-address=127.0.0.1',
            f'--pid-file={server.datadir.parent / "mariadb.pid"}',
            f'--log-error={log}',
            '--innodb-buffer-pool-size=16M',
            *([] if settings_file else [f'--performance-schema={"ON" if performance_schema else "OFF"}']),
            *_as_user(),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            pymysql.connect(unix_socket=server.socket, user='root', password='', connect_timeout=1).close()
            return
        except pymysql.err.OperationalError:
            if server.process.poll() is not None or time.monotonic() > deadline:
                server.process.kill()
                pytest.fail(f'MariaDB did not start; its log:\n{log.read_text() if log.exists() else "(none)"}')
            time.sleep(0.05)


@contextlib.contextmanager
def started(top, performance_schema=True, settings_file=None):
    """A server installed and running under the folder TOP, stopped on exit.

    performance_schema is ON, as the Vagrant VM sets it for the Agent's extra_performance_metrics (MariaDB's
    default is OFF, which one test needs: it starts its own server). With SETTINGS_FILE, the server reads its
    settings from that file (as from /etc/mysql) and performance_schema is left to it.
    """
    mariadbd, install_db = binary('mariadbd'), binary('mariadb-install-db')
    server = MariaDB(
        datadir=top / 'data', socket=str(top / 'mysqld.sock'), port=free_port(), root_password=secrets.token_hex(12)
    )
    installed = subprocess.run(
        [
            install_db,
            '--no-defaults',
            f'--datadir={server.datadir}',
            '--auth-root-authentication-method=normal',
            *_as_user(),
        ],
        capture_output=True,
        text=True,
    )
    if installed.returncode != 0:
        pytest.fail(f'mariadb-install-db failed:\n{installed.stdout}{installed.stderr}')
    _start(server, mariadbd, performance_schema, settings_file)
    try:
        with (
            pymysql.connect(unix_socket=server.socket, user='root', password='', autocommit=True) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute("SELECT host FROM mysql.user WHERE user = 'root'")
            for (host,) in cursor.fetchall():
                cursor.execute('ALTER USER %s@%s IDENTIFIED BY %s', ('root', host, server.root_password))
        server.baseline = server.accounts()
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
