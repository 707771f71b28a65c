"""Connecting with PyMySQL and running statements, with server errors turned into messages that say what to do."""

import re
from dataclasses import dataclass

from . import MysqlError
from .sql import MASK, literal

CONNECT_TIMEOUT = 5
ACCESS_DENIED = (1045, 1698)  # wrong password or no such account; 1698: unix_socket refused the OS user


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    socket: str | None = None  # a unix socket path, used instead of host and port

    def __str__(self):
        return self.socket or f'{self.host}:{self.port}'


def connect(endpoint, user, password, denied_hint):
    """A connection in autocommit mode; `denied_hint` says what to do when the login is refused."""
    import pymysql

    try:
        return pymysql.connect(
            host=endpoint.host,
            port=endpoint.port,
            unix_socket=endpoint.socket,
            user=user,
            password=password,
            connect_timeout=CONNECT_TIMEOUT,
            autocommit=True,
        )
    except pymysql.MySQLError as error:
        code, message = _code_and_message(error)
        if code in ACCESS_DENIED:
            raise MysqlError(f'cannot log in to {endpoint} as {user!r}: {message}; {denied_hint}') from None
        if code == 2003:
            reason = re.sub(r'^.*\((?:\[Errno -?\d+\] )?(.*)\)$', r'\1', message)
            where = '--socket' if endpoint.socket else '--host and --port'
            raise MysqlError(
                f'cannot reach a MySQL or MariaDB server at {endpoint}: {reason}; '
                f'check {where} and that the server is running'
            ) from None
        raise MysqlError(f'cannot connect to {endpoint} as {user!r}: ({code}) {message}') from None


def execute(cursor, statement):
    """Run a `sql.Statement`; a failure names the statement as shown, never its password."""
    import pymysql

    try:
        cursor.execute(statement.sql)
    except pymysql.MySQLError as error:
        code, message = _code_and_message(error)
        if statement.secret:  # a server message may quote the statement, and so the password, escaped or not
            for form in (literal(statement.secret)[1:-1], statement.secret):
                message = message.replace(form, MASK)
        raise MysqlError(f'{statement.shown} failed: ({code}) {message}') from None


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
