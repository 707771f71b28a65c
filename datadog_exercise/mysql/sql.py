"""Every SQL text that `mysql setup` and `mysql verify` send, built in one place.

A password enters a statement only as an escaped literal in `Statement.sql`. What is printed is
`Statement.shown`, where the password is masked; neither `repr` nor `shown` ever holds it.
"""

import hashlib
import re
from dataclasses import dataclass, field

MASK = '********'
MAX_USER_CONNECTIONS = 5


def literal(text):
    """A quoted SQL string literal (the server runs without NO_BACKSLASH_ESCAPES, as by default)."""
    from pymysql.converters import escape_string

    return f"'{escape_string(text)}'"


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
        return f'{literal(self.user)}@{literal(self.host)}'


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
    sql: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)

    @classmethod
    def plain(cls, text):
        return cls(text, text)

    @classmethod
    def identified_by(cls, head, password, tail=''):
        return cls(
            shown=f'{head} IDENTIFIED BY {literal(MASK)}{tail}',
            sql=f'{head} IDENTIFIED BY {literal(password)}{tail}',
            secret=password,
        )


def agent_account(server, exists, password, set_password):
    """Create or update the Agent's account: its password (when asked), connection limit and grants."""
    limit = f' WITH MAX_USER_CONNECTIONS {MAX_USER_CONNECTIONS}'
    if not exists:
        account = Statement.identified_by(f'CREATE USER {AGENT}', password, limit)
    elif set_password:
        account = Statement.identified_by(f'ALTER USER {AGENT}', password, limit)
    else:
        account = Statement.plain(f'ALTER USER {AGENT}{limit}')
    names = ', '.join(privilege.name for privilege in server.agent_privileges())
    return [
        account,
        Statement.plain(f'GRANT {names} ON *.* TO {AGENT}'),
        Statement.plain(f'GRANT SELECT ON performance_schema.* TO {AGENT}'),
    ]


def drop_user(account):
    return Statement.plain(f'DROP USER {account}')


def native_password_hash(password):
    """What mysql_native_password stores: '*' and the upper-case hex of SHA1(SHA1(password))."""
    return '*' + hashlib.sha1(hashlib.sha1(password.encode()).digest()).hexdigest().upper()


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
# The Agent's account and the anonymous ones; the hash only when it can be compared here.
ACCOUNTS = (
    "SELECT user, host, IF(plugin = 'mysql_native_password', authentication_string, NULL) "
    f"FROM mysql.user WHERE user IN ('', '{AGENT.user}') ORDER BY user, host"
)

# Verification, as the Agent's account.
UPTIME = "SHOW GLOBAL STATUS LIKE 'Uptime'"
PERFORMANCE_SCHEMA_READ = 'SELECT COUNT(*) FROM performance_schema.events_statements_summary_by_digest'
PERFORMANCE_SCHEMA_ENABLED = 'SELECT @@GLOBAL.performance_schema'
INNODB_STATUS = 'SHOW ENGINE INNODB STATUS'
PID_FILE = "SHOW GLOBAL VARIABLES LIKE 'pid_file'"
# The session value is the account's own MAX_USER_CONNECTIONS when it has one, else the server's.
CONNECTION_LIMIT = 'SELECT @@SESSION.max_user_connections'
