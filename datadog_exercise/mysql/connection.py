"""Connecting with PyMySQL and running statements, with server errors turned into messages that say what to do."""

import re
from dataclasses import dataclass

from . import MysqlError
from .sql import ANNOUNCE_SQL_MODE, MASK

DEFAULT_TIMEOUT = 10  # seconds, as the Agent's mysql check's connect_timeout
ACCESS_DENIED = (1045, 1698)  # wrong password or no such account; 1698: unix_socket refused the OS user
LOST_CONNECTION = (2006, 2013)  # the server went away, or did not answer within the read timeout


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    socket: str | None = None  # a unix socket path, used instead of host and port

    def __str__(self):
        return self.socket or f'{self.host}:{self.port}'


def check_agent_password(password, source, remedy='choose another password'):
    """Refuse, before anything is sent, a password that the Agent's client cannot send as other clients do.

    The Agent's mysql check hands the password to PyMySQL as text (integrations-core
    mysql/datadog_checks/mysql/connections.py, MySQLConnectionArgs.as_kwargs), and PyMySQL encodes it as
    Latin-1 (pymysql/connections.py: `password.encode("latin1")`): a character beyond U+00FF cannot be sent
    at all, and é is sent as one byte where the mariadb client and every UTF-8 connection send two, so the
    account would accept one client or the other, never both. C clients (mariadb, libmysqlclient) end a
    password at NUL. ASCII without NUL is what every client sends as the same bytes.
    """
    if any(not 0 < ord(character) < 128 for character in password):
        # Never the character or its position: that would be part of the password.
        raise MysqlError(
            f'{source} holds a character that is not ASCII, or NUL: the Agent logs in with PyMySQL, which sends '
            'a password as Latin-1 bytes where other clients send UTF-8, so only ASCII passwords without NUL work '
            f'for every client; {remedy}'
        )


def admin_password_bytes(password, source):
    """The admin's password as the mariadb client sends it from a UTF-8 terminal; the environment's own bytes
    when they are not UTF-8 (Python keeps them as surrogate escapes)."""
    try:
        return password.encode('utf-8', 'surrogateescape')
    except UnicodeEncodeError:
        raise MysqlError(f'{source} is not text that can be sent to a server: type the password again') from None


def connect(endpoint, user, password, denied_hint, timeout=DEFAULT_TIMEOUT):
    """A connection in autocommit mode; `denied_hint` says what to do when the login is refused.

    Connecting, and every read and write after it, each wait at most `timeout` seconds for the server.
    """
    import pymysql

    try:
        connection = pymysql.connect(
            host=endpoint.host,
            port=endpoint.port,
            unix_socket=endpoint.socket,
            user=user,
            password=password,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            autocommit=True,
        )
        # PyMySQL quotes parameters by the NO_BACKSLASH_ESCAPES flag of the server's last status. The server
        # announces it at the handshake, before init_connect runs (for accounts without SUPER), and init_connect
        # may turn the mode on: setting sql_mode to itself makes the server announce the session's real mode.
        with connection.cursor() as cursor:
            cursor.execute(ANNOUNCE_SQL_MODE)
    except pymysql.MySQLError as error:
        code, message = _code_and_message(error)
        if code in ACCESS_DENIED:
            raise MysqlError(f'cannot log in to {endpoint} as {user!r}: {message}; {denied_hint}') from None
        if code in LOST_CONNECTION:
            raise MysqlError(_no_answer(endpoint, timeout)) from None
        if code == 2003:
            reason = re.sub(r'^.*\((?:\[Errno -?\d+\] )?(.*)\)$', r'\1', message)
            if reason == 'timed out':
                raise MysqlError(_no_answer(endpoint, timeout, 'connection')) from None
            where = '--socket' if endpoint.socket else '--host and --port'
            raise MysqlError(
                f'cannot reach a MySQL or MariaDB server at {endpoint}: {reason}; '
                f'check {where} and that the server is running'
            ) from None
        raise MysqlError(f'cannot connect to {endpoint} as {user!r}: ({code}) {message}') from None
    return connection


def _no_answer(endpoint, timeout, what='answer'):
    return (
        f'no {what} from {endpoint} within {timeout:g} s (--timeout): it is not a MySQL or MariaDB server, '
        'or it is stuck; check --host and --port'
    )


def execute(cursor, statement):
    """Run a `sql.Statement`; a failure names the statement as shown, never its password."""
    import pymysql

    try:
        cursor.execute(statement.sql, statement.args or None)
    except pymysql.MySQLError as error:
        code, message = _code_and_message(error)
        raise MysqlError(f'{statement.shown} failed: ({code}) {_masked(message, statement.secrets)}') from None


def _masked(message, secrets):
    """MESSAGE without any form of the secrets: a server message may quote the statement as it arrived, quoted
    with backslashes or with doubled quotes (NO_BACKSLASH_ESCAPES)."""
    from pymysql.converters import escape_string

    forms = {form for secret in secrets for form in (secret, escape_string(secret), secret.replace("'", "''"))}
    for form in sorted(filter(None, forms), key=len, reverse=True):
        message = message.replace(form, MASK)
    return message


def query(cursor, text, args=None):
    """The rows of a query; a refusal is a MysqlError holding the server's words, for the caller to frame."""
    import pymysql

    try:
        cursor.execute(text, args)
    except pymysql.MySQLError as error:
        code, message = _code_and_message(error)
        raise MysqlError(f'({code}) {message}') from None
    return cursor.fetchall()


def _code_and_message(error):
    if len(error.args) == 2:
        return error.args[0], str(error.args[1])
    return None, str(error)
