"""A server that accepts the connection and then never answers ends `setup` and `verify` after --timeout.

Real TCP servers on loopback: one that never sends a byte, and one that starts a handshake packet and stops.
Without a read timeout PyMySQL waits for them forever.
"""

import socket
import threading
import time

import pytest

TIMEOUT = 1
SLACK = 3  # seconds allowed beyond the timeout before calling it a hang (a loaded CI machine)


class StuckServer:
    """Listens on loopback, accepts every connection, sends GREETING (maybe nothing), then holds it silently."""

    def __init__(self, greeting):
        self.greeting = greeting
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.port = self.listener.getsockname()[1]
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            connection.sendall(self.greeting)
            self.held.append(connection)

    def close(self):
        self.listener.close()
        for connection in self.held:
            connection.close()


# The 4-byte header of a 74-byte handshake packet, and nothing after it.
SERVERS = {'silent': b'', 'handshake-cut-short': bytes([74, 0, 0, 0])}


@pytest.fixture(params=SERVERS.values(), ids=SERVERS.keys())
def stuck_server(request):
    server = StuckServer(request.param)
    yield server
    server.close()


def no_answer(port):
    return (
        f'no answer from 127.0.0.1:{port} within {TIMEOUT} s (--timeout): it is not a MySQL or MariaDB server, '
        'or it is stuck; check --host and --port'
    )


def timed(run):
    started = time.monotonic()
    result = run()
    return result, time.monotonic() - started


def test_setup_gives_up_after_the_timeout_and_names_the_server(command, stuck_server):
    result, elapsed = timed(
        lambda: command.setup('--port', str(stuck_server.port), '--timeout', str(TIMEOUT), agent_password='pw')
    )

    assert result.exit_code == 1
    assert result.stderr == f'Error: {no_answer(stuck_server.port)}\n'
    assert elapsed < TIMEOUT + SLACK
    assert not command.config.exists()


def test_verify_gives_up_after_the_timeout_and_names_the_server(command, stuck_server):
    result, elapsed = timed(
        lambda: command.verify('--port', str(stuck_server.port), '--timeout', str(TIMEOUT), agent_password='pw')
    )

    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == f"log in as 'datadog'  FAIL    {no_answer(stuck_server.port)}"
    assert elapsed < TIMEOUT + SLACK


def test_the_timeout_is_ten_seconds_unless_given(command):
    from datadog_exercise.cli import main

    setup_help = main.commands['mysql'].commands['setup'].params
    verify_help = main.commands['mysql'].commands['verify'].params

    assert [param.default for param in (*setup_help, *verify_help) if param.name == 'timeout'] == [10, 10]
