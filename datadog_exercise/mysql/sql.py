"""Every SQL text that `mysql setup` and `mysql verify` send, built in one place.

No value is ever quoted by hand into SQL text. Account names and passwords are parameters (`%s`), which
PyMySQL quotes knowing whether the session has NO_BACKSLASH_ESCAPES (`connection.connect` makes sure it
knows; ANSI_QUOTES does not touch single-quoted strings). On MariaDB the password does not even travel:
the statement carries the mysql_native_password hash the server would store for it (`IDENTIFIED BY
PASSWORD '*...'`, MariaDB's default plugin), so no general log, process list or error message can show
it. MySQL 8.4 turns mysql_native_password off, so there the password is the parameter of `IDENTIFIED BY`
and the server hashes it with its own default plugin.

What is printed is `Statement.shown`, where the password is masked; `repr` never shows the SQL, its
parameters or the password.
"""

import hashlib
import re
from dataclasses import dataclass, field

MASK = '********'
MAX_USER_CONNECTIONS = 5


def quoted(text):
    """TEXT between single quotes, for people to read in output; never sent to a server. A character that is not
    printable (a newline in an account's host...) is shown escaped, so that no name can forge output lines."""
    shown = ''.join(character if character.isprintable() else repr(character)[1:-1] for character in text)
    return "'" + shown.replace("'", "''") + "'"


@dataclass(frozen=True)
class Account:
    user: str
    host: str

    @classmethod
    def parse(cls, text):
        """An account from `CURRENT_USER()`'s `user@host` form."""
        user, _, host = text.rpartition('@')
        return cls(user, host)

    @property
    def grantee(self):
        """The account as information_schema's GRANTEE columns spell it."""
        return f"'{self.user}'@'{self.host}'"

    def __str__(self):
        return f'{quoted(self.user)}@{quoted(self.host)}'


# The documented account: '%' so that the Agent may connect over TCP from 127.0.0.1 or elsewhere.
AGENT = Account('datadog', '%')


@dataclass(frozen=True)
class Privilege:
    name: str  # as GRANT takes it
    listed_as: str  # as information_schema.USER_PRIVILEGES lists it


@dataclass(frozen=True)
class Server:
    flavour: str  # 'MariaDB' or 'MySQL'
    version: tuple[int, int, int]

    @classmethod
    def from_version(cls, text):
        """From `SELECT VERSION()`: '10.11.19-MariaDB-0+deb12u1', '8.0.36', '8.4.2-log'."""
        match = re.match(r'(\d+)\.(\d+)\.(\d+)', text)
        if not match:
            raise ValueError(f'unexpected server version {text!r}')
        flavour = 'MariaDB' if 'mariadb' in text.lower() else 'MySQL'
        return cls(flavour, tuple(int(part) for part in match.groups()))

    @property
    def is_mariadb(self):
        return self.flavour == 'MariaDB'

    def __str__(self):
        return f'{self.flavour} {".".join(map(str, self.version))}'

    def agent_privileges(self):
        """The global privileges the Agent needs on this server."""
        # MariaDB 10.5.2 renamed REPLICATION CLIENT to BINLOG MONITOR (the old name stays an alias).
        renamed = self.is_mariadb and self.version >= (10, 5, 2)
        privileges = [
            Privilege('REPLICATION CLIENT', 'BINLOG MONITOR' if renamed else 'REPLICATION CLIENT'),
            Privilege('PROCESS', 'PROCESS'),
        ]
        # From MariaDB 10.5.9, SHOW SLAVE STATUS needs SLAVE MONITOR, a privilege that did not exist before.
        if self.is_mariadb and self.version >= (10, 5, 9):
            privileges.append(Privilege('SLAVE MONITOR', 'SLAVE MONITOR'))
        return tuple(privileges)

    @property
    def replication_status(self):
        # MySQL 8.0.22 renamed it and 8.4 removed the old name; every MariaDB knows SHOW SLAVE STATUS.
        if not self.is_mariadb and self.version >= (8, 0, 22):
            return 'SHOW REPLICA STATUS'
        return 'SHOW SLAVE STATUS'


@dataclass(frozen=True)
class Statement:
    shown: str
    sql: str = field(repr=False)  # with %s placeholders (and any literal % doubled)
    args: tuple = field(default=(), repr=False)
    secrets: tuple = field(default=(), repr=False)  # forms of the password an error message must never show


def _password(server, password):
    """The IDENTIFIED BY clause for PASSWORD, its parameter, and the forms of the secret it sends."""
    if server.is_mariadb:
        hashed = native_password_hash(password)
        return f'IDENTIFIED BY PASSWORD {quoted(MASK)}', 'IDENTIFIED BY PASSWORD %s', hashed, (password, hashed)
    return f'IDENTIFIED BY {quoted(MASK)}', 'IDENTIFIED BY %s', password, (password,)


def agent_account(server, exists, password, set_password):
    """Create or update the Agent's account: its password (when asked), connection limit and grants."""
    limit = f' WITH MAX_USER_CONNECTIONS {MAX_USER_CONNECTIONS}'
    account = (AGENT.user, AGENT.host)
    verb = 'ALTER' if exists else 'CREATE'
    if exists and not set_password:
        statement = Statement(f'ALTER USER {AGENT}{limit}', f'ALTER USER %s@%s{limit}', account)
    else:
        shown, clause, secret, forms = _password(server, password)
        statement = Statement(
            f'{verb} USER {AGENT} {shown}{limit}', f'{verb} USER %s@%s {clause}{limit}', (*account, secret), forms
        )
    names = ', '.join(privilege.name for privilege in server.agent_privileges())
    return [
        statement,
        Statement(f'GRANT {names} ON *.* TO {AGENT}', f'GRANT {names} ON *.* TO %s@%s', account),
        Statement(
            f'GRANT SELECT ON performance_schema.* TO {AGENT}', 'GRANT SELECT ON performance_schema.* TO %s@%s', account
        ),
    ]


def drop_user(account):
    return Statement(f'DROP USER {account}', 'DROP USER %s@%s', (account.user, account.host))


def native_password_hash(password):
    """What mysql_native_password stores: '*' and the upper-case hex of SHA1(SHA1(password)).

    Of the password's bytes as the Agent's PyMySQL sends them (Latin-1, which for the ASCII passwords that
    `check_agent_password` lets through are also their UTF-8 bytes).
    """
    return '*' + hashlib.sha1(hashlib.sha1(password.encode('latin-1')).digest()).hexdigest().upper()


# Inspection, as the admin.
VERSION = 'SELECT VERSION()'
CURRENT_USER = 'SELECT CURRENT_USER()'
# The admin's own privileges, global and per schema; takes the grantee twice.
ADMIN_PRIVILEGES = (
    "SELECT '*.*', privilege_type, is_grantable FROM information_schema.user_privileges WHERE grantee = %s "
    'UNION ALL '
    "SELECT CONCAT(table_schema, '.*'), privilege_type, is_grantable "
    'FROM information_schema.schema_privileges WHERE grantee = %s'
)
# The Agent's account and the anonymous ones; the hash only when it can be compared here. Takes the Agent's user.
ACCOUNTS = (
    "SELECT user, host, IF(plugin = 'mysql_native_password', authentication_string, NULL) "
    "FROM mysql.user WHERE user IN ('', %s) ORDER BY user, host"
)
# Makes the server announce the session's real sql_mode to the client (see connection.connect).
ANNOUNCE_SQL_MODE = 'SET SESSION sql_mode = @@SESSION.sql_mode'

# Verification, as the Agent's account.
UPTIME = "SHOW GLOBAL STATUS LIKE 'Uptime'"
PERFORMANCE_SCHEMA_READ = 'SELECT COUNT(*) FROM performance_schema.events_statements_summary_by_digest'
PERFORMANCE_SCHEMA_ENABLED = 'SELECT @@GLOBAL.performance_schema'
INNODB_STATUS = 'SHOW ENGINE INNODB STATUS'
PID_FILE = "SHOW GLOBAL VARIABLES LIKE 'pid_file'"
# The session value is the account's own MAX_USER_CONNECTIONS when it has one, else the server's.
CONNECTION_LIMIT = 'SELECT @@SESSION.max_user_connections'
