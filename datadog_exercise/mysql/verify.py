"""`datadog-exercise mysql verify`: log in as the Agent does and check each documented requirement."""

from dataclasses import dataclass, field

from . import MysqlError, config, sql
from .connection import DEFAULT_TIMEOUT, Endpoint, check_agent_password, connect, query

DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = 3306
GRANTS_FIX = 'run datadog-exercise mysql setup again to restore the grants and the connection limit'
PERFORMANCE_SCHEMA_FIX = (
    "set performance_schema=ON in the [mariadb] (or [mysqld]) section of the server's configuration and restart it"
)


@dataclass(frozen=True)
class VerifyRequest:
    host: str | None  # None: the config's, else 127.0.0.1
    port: int | None  # None: the config's, else 3306
    confd: str = config.DEFAULT_CONFD
    agent_password: str | None = field(default=None, repr=False)  # DATADOG_MYSQL_PASSWORD, when set
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Login:
    endpoint: Endpoint
    username: str
    password: str = field(repr=False)
    source: str  # where the password came from, for the messages
    extra_performance_metrics: bool  # what the config asks of performance_schema


@dataclass(frozen=True)
class Result:
    check: str
    passed: bool
    detail: str
    fix: str = GRANTS_FIX  # what to do when it failed


def run_verify(request, echo):
    """Print the pass/fail table; the exit status is 1 when any check failed."""
    login = _login(request)
    logged_in = f'log in as {login.username!r}'
    try:
        connection = connect(
            login.endpoint,
            login.username,
            login.password,
            f'{login.source} is not its password, or an anonymous account shadows it '
            '(setup warns about that, and --drop-anonymous drops it)',
            request.timeout,
        )
    except MysqlError as error:
        echo(render_table([Result(logged_in, False, str(error))]))
        echo('Cannot log in, so the other checks did not run.')
        return 1
    with connection, connection.cursor() as cursor:
        server = sql.Server.from_version(query(cursor, sql.VERSION)[0][0])
        results = [Result(logged_in, True, f'{login.endpoint}, {server}')]
        results += [_run(name, check, cursor, server, login) for name, check in CHECKS]
    echo(render_table(results))
    failed = [result for result in results if not result.passed]
    if failed:
        fixes = '; '.join(dict.fromkeys(result.fix for result in failed))
        echo(f'{len(failed)} of {len(results)} checks failed: {fixes}.')
        return 1
    echo(f'All {len(results)} checks passed.')
    return 0


def render_table(results):
    width = max(len('check'), *(len(result.check) for result in results))
    lines = [f'{"check":<{width}}  result  detail']
    lines += [f'{r.check:<{width}}  {"pass" if r.passed else "FAIL":<6}  {r.detail}' for r in results]
    return '\n'.join(lines)


def _login(request):
    path = config.config_path(request.confd)
    written = config.read(request.confd)
    if written is not None:
        source = f'the password in {path}'
        remedy = 'give another one to setup with DATADOG_MYSQL_PASSWORD, --force and --reset-password'
        check_agent_password(written.password, source, remedy)
        endpoint = Endpoint(request.host or written.host, request.port or written.port)
        return Login(endpoint, written.username, written.password, source, written.extra_performance_metrics)
    if request.agent_password:
        check_agent_password(request.agent_password, 'DATADOG_MYSQL_PASSWORD')
        endpoint = Endpoint(request.host or DEFAULT_HOST, request.port or DEFAULT_PORT)
        # No config yet: the options are the Agent's defaults, extra_performance_metrics off.
        return Login(endpoint, sql.AGENT.user, request.agent_password, 'DATADOG_MYSQL_PASSWORD', False)
    raise MysqlError(
        f'no password to log in with: there is no {path} and DATADOG_MYSQL_PASSWORD is not set; '
        'run datadog-exercise mysql setup first, or pass --confd DIR'
    )


def _run(name, check, cursor, server, login):
    """A check returns (passed, detail) or (passed, detail, fix)."""
    try:
        return Result(name, *check(cursor, server, login))
    except MysqlError as error:
        return Result(name, False, str(error))


def _uptime(cursor, server, login):
    rows = query(cursor, sql.UPTIME)
    return (True, f'Uptime = {rows[0][1]} s') if rows else (False, 'SHOW STATUS has no Uptime row')


def _replication(cursor, server, login):
    rows = query(cursor, server.replication_status)
    return True, f'{server.replication_status}: {"a replica" if rows else "not a replica"}'


def _performance_schema(cursor, server, login):
    query(cursor, sql.PERFORMANCE_SCHEMA_READ)
    if query(cursor, sql.PERFORMANCE_SCHEMA_ENABLED)[0][0]:
        return True, 'events_statements_summary_by_digest readable'
    if login.extra_performance_metrics:
        # The mysql check skips those metrics when the server's performance_schema is off (integrations-core
        # mysql.py: extra_performance_metrics and performance_schema_enabled), silently.
        detail = 'off on this server, and the config asks for extra_performance_metrics: the Agent collects none'
        return False, detail, PERFORMANCE_SCHEMA_FIX
    return True, 'readable; off on this server, which the config does not need (extra_performance_metrics is off)'


def _innodb_status(cursor, server, login):
    query(cursor, sql.INNODB_STATUS)
    return True, 'SHOW ENGINE INNODB STATUS readable (PROCESS)'


def _pid_file(cursor, server, login):
    rows = query(cursor, sql.PID_FILE)
    if rows and rows[0][1]:
        return True, rows[0][1]
    return False, 'pid_file is empty: mysql.performance.cpu_time needs it to find the server process'


def _connection_limit(cursor, server, login):
    limit = query(cursor, sql.CONNECTION_LIMIT)[0][0]
    if limit:
        return True, f'max_user_connections = {limit}'
    return False, f'max_user_connections = 0: no limit (setup sets MAX_USER_CONNECTIONS {sql.MAX_USER_CONNECTIONS})'


CHECKS = (
    ('SHOW STATUS shows Uptime', _uptime),
    ('replication status readable', _replication),
    ('performance_schema readable', _performance_schema),
    ('InnoDB status readable', _innodb_status),
    ('pid_file variable readable', _pid_file),
    ('connection limit set', _connection_limit),
)
