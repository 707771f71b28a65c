"""`datadog-exercise mysql setup`: the Agent's account, its grants and its conf.yaml, idempotently.

Everything that can refuse is checked before the first change: the conf.d folder, the admin's login and
privileges, the existing account's password. Then the statements run, then the config is written.
"""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from . import MysqlError, config, sql
from .connection import (
    DEFAULT_TIMEOUT,
    Endpoint,
    admin_password_bytes,
    check_agent_password,
    connect,
    execute,
    query,
)

GENERATED_PASSWORD_BYTES = 24


@dataclass(frozen=True)
class SetupRequest:
    endpoint: Endpoint
    admin_user: str
    admin_password: str = field(repr=False)
    agent_password: str | None = field(repr=False)  # DATADOG_MYSQL_PASSWORD, when set
    confd: str = config.DEFAULT_CONFD
    force: bool = False
    drop_anonymous: bool = False
    reset_password: bool = False
    dry_run: bool = False
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class AgentPassword:
    value: str = field(repr=False)
    source: str  # 'environment' (DATADOG_MYSQL_PASSWORD), 'config' (the kept or rewritten file) or 'generated'


def run_setup(request, echo, warn):
    path = config.config_path(request.confd)
    keep_config = os.path.lexists(path) and not request.force  # a link there is refused when read or written
    _check_confd(Path(request.confd), path, keep_config)
    password = choose_password(request.agent_password, request.confd, keep_config)
    admin_password = admin_password_bytes(request.admin_password, "the admin's password")

    hint = (
        f'set MYSQL_ADMIN_PASSWORD to the password of {request.admin_user!r}, or choose the account with --admin-user'
    )
    if not request.endpoint.socket:
        hint += ' (a root that logs in by unix socket, as on Debian, needs sudo and --socket /run/mysqld/mysqld.sock)'
    connection = connect(request.endpoint, request.admin_user, admin_password, hint, request.timeout)
    with connection, connection.cursor() as cursor:
        server = sql.Server.from_version(query(cursor, sql.VERSION)[0][0])
        admin = sql.Account.parse(query(cursor, sql.CURRENT_USER)[0][0])
        echo(f'{server} at {request.endpoint}, logged in as {admin.user}@{admin.host}')
        _check_admin_privileges(cursor, server, admin)
        agent, anonymous = _accounts(cursor, admin)
        set_password = agent is not None and _must_set_password(request, path, agent[2], password)

        statements = [sql.drop_user(account) for account in anonymous if request.drop_anonymous]
        statements += sql.agent_account(server, agent is not None, password.value, set_password)
        if anonymous and not request.drop_anonymous:
            hosts = ', '.join(account.host for account in anonymous)
            warn(
                f'warning: {sql.AGENT} is shadowed by the anonymous {", ".join(map(str, anonymous))}: logins as '
                f'{sql.AGENT.user!r} from {hosts} are refused; rerun with --drop-anonymous to drop anonymous accounts'
            )
        if request.dry_run:
            echo('Dry run: nothing is changed. The SQL it would run (passwords masked):')
        for statement in statements:
            echo(f'{statement.shown};')
            if not request.dry_run:
                execute(cursor, statement)

    _write_config(request, path, keep_config, password, echo, warn)
    if not request.dry_run:
        confd = '' if request.confd == config.DEFAULT_CONFD else f' --confd {request.confd}'
        echo(
            f'Next: datadog-exercise mysql verify{confd}; then restart the Agent and run '
            'sudo -u dd-agent datadog-agent check mysql'
        )


def choose_password(from_environment, confd, keep_config):
    """The Agent's password: DATADOG_MYSQL_PASSWORD, else the one in the config, else a new one."""
    path = config.config_path(confd)
    if from_environment == '':
        raise MysqlError('DATADOG_MYSQL_PASSWORD is empty: set it to a password, or unset it to have one generated')
    if from_environment is not None:
        check_agent_password(from_environment, 'DATADOG_MYSQL_PASSWORD')
    try:
        written = config.read(confd)
    except config.UnsafeConfig:
        raise  # a link is refused before anything changes, --force or not
    except MysqlError:
        if keep_config:
            raise
        written = None  # --force rewrites a file that cannot be read
    if keep_config:
        # The kept file is what the Agent logs in with: the account must match it.
        if written.username != sql.AGENT.user:
            raise MysqlError(
                f'{path} logs in as {written.username!r}, not {sql.AGENT.user!r}: pass --force to rewrite it'
            )
        if from_environment not in (None, written.password):
            raise MysqlError(
                f'DATADOG_MYSQL_PASSWORD differs from the password in {path}, which is kept: '
                'pass --force to rewrite the file with it, or unset DATADOG_MYSQL_PASSWORD'
            )
    if from_environment is not None:
        return AgentPassword(from_environment, 'environment')
    if written is not None:
        check_agent_password(
            written.password,
            f'the password in {path}',
            'give another one with DATADOG_MYSQL_PASSWORD, --force and --reset-password',
        )
        return AgentPassword(written.password, 'config')
    return AgentPassword(secrets.token_urlsafe(GENERATED_PASSWORD_BYTES), 'generated')


def _check_confd(confd, path, keep_config):
    if not confd.is_dir():
        raise MysqlError(f'there is no Agent conf.d folder at {confd}: install the Agent, or pass --confd DIR')
    writable = path.parent if path.parent.exists() else confd
    if not keep_config and not os.access(writable, os.W_OK):
        raise MysqlError(f'cannot write to {writable}: run setup as root (sudo), or pass --confd DIR')


def _check_admin_privileges(cursor, server, admin):
    rows = query(cursor, sql.ADMIN_PRIVILEGES, (admin.grantee, admin.grantee))
    grantable = {(scope, privilege): is_grantable == 'YES' for scope, privilege, is_grantable in rows}
    missing = [] if ('*.*', 'CREATE USER') in grantable else ['CREATE USER']
    missing += [
        f'{privilege.name} WITH GRANT OPTION'
        for privilege in server.agent_privileges()
        if not grantable.get(('*.*', privilege.listed_as))
    ]
    if not (grantable.get(('*.*', 'SELECT')) or grantable.get(('performance_schema.*', 'SELECT'))):
        missing.append('SELECT ON performance_schema.* WITH GRANT OPTION')
    if missing:
        raise MysqlError(
            f'{admin.grantee} cannot set up {sql.AGENT}: it lacks {", ".join(missing)}; '
            'run setup as an account that has them, such as root (--admin-user)'
        )


def _accounts(cursor, admin):
    """The Agent's account row (user, host, native hash) or None, and the shadowing anonymous accounts."""
    try:
        rows = query(cursor, sql.ACCOUNTS, (sql.AGENT.user,))
    except MysqlError as error:
        raise MysqlError(
            f'{admin.grantee} cannot read mysql.user: {error}; run setup as an account that can, such as root'
        ) from None
    agent = next((row for row in rows if (row[0], row[1]) == (sql.AGENT.user, sql.AGENT.host)), None)
    # ''@'%' does not shadow 'datadog'@'%': at equal hosts a named user wins.
    anonymous = [sql.Account(user, host) for user, host, *_ in rows if user == '' and host != '%']
    return agent, anonymous


def _must_set_password(request, path, native_hash, password):
    """Whether the existing account needs the password; refuses to change it unless --reset-password."""
    if password.source != 'generated' and _password_matches(request, native_hash, password.value):
        return False
    if request.reset_password:
        return True
    if password.source == 'generated':
        raise MysqlError(
            f'{sql.AGENT} already exists and no password for it was given: set DATADOG_MYSQL_PASSWORD to its '
            'password, or pass --reset-password to give it a new one'
        )
    if password.source == 'config':
        raise MysqlError(
            f'{sql.AGENT} already exists with a password other than the one in {path}: pass --reset-password to '
            'give it that one, or --force with DATADOG_MYSQL_PASSWORD set to its password to rewrite the file'
        )
    raise MysqlError(
        f'{sql.AGENT} already exists with a password other than the one from DATADOG_MYSQL_PASSWORD: '
        'set DATADOG_MYSQL_PASSWORD to its password, or pass --reset-password to replace it'
    )


def _password_matches(request, native_hash, password):
    if native_hash is not None:
        return native_hash == sql.native_password_hash(password)
    # Other plugins keep salted or external credentials: only a login can tell.
    try:
        connect(request.endpoint, sql.AGENT.user, password, '', request.timeout).close()
    except MysqlError:
        return False
    return True


def _write_config(request, path, keep_config, password, echo, warn):
    if keep_config:
        echo(f'kept {path}: it exists (--force rewrites it)')
        return
    host = '127.0.0.1' if request.endpoint.host == 'localhost' else request.endpoint.host
    if host not in ('127.0.0.1', '::1'):
        warn(
            f'warning: the config connects to {host}; mysql.performance.cpu_time is only collected when the Agent '
            'runs on the database host and connects to 127.0.0.1'
        )
    text = config.render(config.AgentConfig(host, request.endpoint.port, sql.AGENT.user, password.value))
    group = config.agent_group()
    owner = f'group {group}' if group else f'no {config.AGENT_GROUP} group here'
    if request.dry_run:
        echo(f'would write {path} (mode 0640, {owner})')
        return
    config.write(request.confd, text, group)
    echo(f'wrote {path} (mode 0640, {owner})')
