"""`datadog-exercise mysql verify`: log in as the Agent does and check each documented requirement."""

from dataclasses import dataclass, field

from . import MysqlError, config, sql
from .connection import Endpoint, connect, query

DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = 3306


@dataclass(frozen=True)
class VerifyRequest:
    host: str | None  # None: the config's, else 127.0.0.1
    port: int | None  # None: the config's, else 3306
    confd: str = config.DEFAULT_CONFD
    agent_password: str | None = field(default=None, repr=False)  # DATADOG_MYSQL_PASSWORD, when set


@dataclass(frozen=True)
class Result:
    check: str
    passed: bool
    detail: str


def run_verify(request, echo):
    """Print the pass/fail table; the exit status is 1 when any check failed."""
    endpoint, username, password, source = _login_details(request)
    login = f'log in as {username!r}'
    try:
        connection = connect(
            endpoint,
            username,
            password,
            f'{source} is not its password, or an anonymous account shadows it '
            '(setup warns about that, and --drop-anonymous drops it)',
        )
    except MysqlError as error:
        echo(render_table([Result(login, False, str(error))]))
        echo('Cannot log in, so the other checks did not run.')
        return 1
    with connection, connection.cursor() as cursor:
        server = sql.Server.from_version(query(cursor, sql.VERSION)[0][0])
        results = [Result(login, True, f'{endpoint}, {server}')]
        results += [_run(name, check, cursor, server) for name, check in CHECKS]
    echo(render_table(results))
    failed = [result for result in results if not result.passed]
    if failed:
        echo(
            f'{len(failed)} of {len(results)} checks failed: run datadog-exercise mysql setup again '
            'to restore the grants and the connection limit.'
        )
        return 1
    echo(f'All {len(results)} checks passed.')
    return 0


def render_table(results):
    width = max(len('check'), *(len(result.check) for result in results))
    lines = [f'{"check":<{width}}  result  detail']
    lines += [f'{r.check:<{width}}  {"pass" if r.passed else "FAIL":<6}  {r.detail}' for r in results]
    return '\n'.join(lines)


def _login_details(request):
    path = config.config_path(request.confd)
    written = config.read(path)
    if written is not None:
        endpoint = Endpoint(request.host or written.host, request.port or written.port)
        return endpoint, written.username, written.password, f'the password in {path}'
    if request.agent_password:
        endpoint = Endpoint(request.host or DEFAULT_HOST, request.port or DEFAULT_PORT)
        return endpoint, sql.AGENT.user, request.agent_password, 'DATADOG_MYSQL_PASSWORD'
    raise MysqlError(
        f'no password to log in with: there is no {path} and DATADOG_MYSQL_PASSWORD is not set; '
        'run datadog-exercise mysql setup first, or pass --confd DIR'
    )


def _run(name, check, cursor, server):
    try:
        passed, detail = check(cursor, server)
    except MysqlError as error:
        return Result(name, False, str(error))
    return Result(name, passed, detail)


def _uptime(cursor, server):
    rows = query(cursor, sql.UPTIME)
    return (True, f'Uptime = {rows[0][1]} s') if rows else (False, 'SHOW STATUS has no Uptime row')


def _replication(cursor, server):
    rows = query(cursor, server.replication_status)
    return True, f'{server.replication_status}: {"a replica" if rows else "not a replica"}'


def _performance_schema(cursor, server):
    query(cursor, sql.PERFORMANCE_SCHEMA_READ)
    if query(cursor, sql.PERFORMANCE_SCHEMA_ENABLED)[0][0]:
        return True, 'events_statements_summary_by_digest readable'
    return True, 'readable, but off on this server: set performance_schema=ON for extra_performance_metrics'


def _innodb_status(cursor, server):
    query(cursor, sql.INNODB_STATUS)
    return True, 'SHOW ENGINE INNODB STATUS readable (PROCESS)'


def _pid_file(cursor, server):
    rows = query(cursor, sql.PID_FILE)
    if rows and rows[0][1]:
        return True, rows[0][1]
    return False, 'pid_file is empty: mysql.performance.cpu_time needs it to find the server process'


def _connection_limit(cursor, server):
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
