"""`datadog-exercise mysql verify` against a real MariaDB server, after a real setup."""

import re

import pytest

FIX = 'run datadog-exercise mysql setup again to restore the grants and the connection limit.'


def passing_table(mariadb):
    [(pid_file,)] = mariadb.run('SELECT @@pid_file')
    return [
        'check                        result  detail',
        f"log in as 'datadog'          pass    127.0.0.1:{mariadb.port}, {mariadb.version}",
        'SHOW STATUS shows Uptime     pass    Uptime = N s',
        'replication status readable  pass    SHOW SLAVE STATUS: not a replica',
        'performance_schema readable  pass    events_statements_summary_by_digest readable',
        'InnoDB status readable       pass    SHOW ENGINE INNODB STATUS readable (PROCESS)',
        f'pid_file variable readable   pass    {pid_file}',
        'connection limit set         pass    max_user_connections = 5',
    ]


def lines(result):
    return re.sub(r'Uptime = \d+ s', 'Uptime = N s', result.stdout).splitlines()


@pytest.fixture
def agent_account(command):
    """The Agent's account as setup leaves it, with a generated password, and its config."""
    result = command.setup('--drop-anonymous')
    assert result.exit_code == 0, result.output
    return command


def test_verify_passes_after_setup(agent_account, mariadb):
    result = agent_account.verify()

    assert result.exit_code == 0, result.output
    assert lines(result) == [*passing_table(mariadb), 'All 7 checks passed.']


@pytest.mark.parametrize(
    'change, failing_line',
    [
        (
            "REVOKE SLAVE MONITOR ON *.* FROM 'datadog'@'%'",
            'replication status readable  FAIL    (1227) Access denied; you need (at least one of) the SUPER, '
            'SLAVE MONITOR privilege(s) for this operation',
        ),
        (
            "REVOKE SELECT ON performance_schema.* FROM 'datadog'@'%'",
            "performance_schema readable  FAIL    (1142) SELECT command denied to user 'datadog'@'localhost' "
            'for table `performance_schema`.`events_statements_summary_by_digest`',
        ),
        (
            "REVOKE PROCESS ON *.* FROM 'datadog'@'%'",
            'InnoDB status readable       FAIL    (1227) Access denied; you need (at least one of) the PROCESS '
            'privilege(s) for this operation',
        ),
        (
            "ALTER USER 'datadog'@'%' WITH MAX_USER_CONNECTIONS 0",
            'connection limit set         FAIL    max_user_connections = 0: no limit '
            '(setup sets MAX_USER_CONNECTIONS 5)',
        ),
    ],
    ids=['slave-monitor', 'performance-schema', 'process', 'connection-limit'],
)
def test_verify_fails_on_the_line_of_the_missing_grant_until_setup_restores_it(
    agent_account, mariadb, change, failing_line
):
    mariadb.run(change)

    failing = agent_account.verify()
    agent_account.setup()
    restored = agent_account.verify()

    assert failing.exit_code == 1
    assert [line for line in lines(failing) if '  FAIL  ' in line] == [failing_line]
    assert lines(failing)[-1] == f'1 of 7 checks failed: {FIX}'
    assert restored.exit_code == 0, restored.output


def test_verify_cannot_log_in_while_an_anonymous_account_shadows_the_agent(command, mariadb):
    command.setup()  # without --drop-anonymous: ''@'localhost' stays

    result = command.verify()

    assert result.exit_code == 1
    assert lines(result) == [
        'check                result  detail',
        f"log in as 'datadog'  FAIL    cannot log in to 127.0.0.1:{mariadb.port} as 'datadog': Access denied for "
        "user 'datadog'@'localhost' (using password: YES); the password in "
        f'{command.config} is not its password, or an anonymous account shadows it (setup warns about that, '
        'and --drop-anonymous drops it)',
        'Cannot log in, so the other checks did not run.',
    ]


def test_verify_without_a_config_uses_datadog_mysql_password(command, mariadb):
    command.setup('--drop-anonymous', agent_password='from-the-environment')
    command.config.unlink()

    result = command.verify('--port', str(mariadb.port), agent_password='from-the-environment')

    assert result.exit_code == 0, result.output
    assert lines(result)[-1] == 'All 7 checks passed.'


def test_verify_with_no_config_and_no_password_says_what_to_do(command):
    result = command.verify()

    assert result.exit_code == 1
    assert result.stderr == (
        f'Error: no password to log in with: there is no {command.config} and DATADOG_MYSQL_PASSWORD is not set; '
        'run datadog-exercise mysql setup first, or pass --confd DIR\n'
    )


def test_verify_against_an_unreachable_server_fails_at_login(agent_account, unused_port):
    result = agent_account.verify('--port', str(unused_port))

    assert result.exit_code == 1
    assert lines(result)[1] == (
        f"log in as 'datadog'  FAIL    cannot reach a MySQL or MariaDB server at 127.0.0.1:{unused_port}: "
        'Connection refused; check --host and --port and that the server is running'
    )


def test_an_anonymous_account_at_any_host_does_not_shadow_the_agent_and_is_kept(command, mariadb):
    # At equal hosts ('%') the named account wins, so ''@'%' is left alone even with --drop-anonymous.
    mariadb.run("CREATE USER ''@'%'")

    command.setup('--drop-anonymous')
    result = command.verify()

    assert result.exit_code == 0, result.output
    assert mariadb.run("SELECT user, host FROM mysql.user WHERE user = ''") == (('', '%'),)


# ---- performance_schema: the config asks for metrics only the server's performance_schema gives -----------------

PERFORMANCE_SCHEMA_OFF = (
    'performance_schema readable  FAIL    off on this server, and the config asks for extra_performance_metrics: '
    'the Agent collects none'
)


def test_verify_fails_when_the_config_wants_performance_metrics_and_performance_schema_is_off(
    command_without_performance_schema,
):
    command = command_without_performance_schema
    assert command.setup('--drop-anonymous').exit_code == 0

    result = command.verify()

    assert result.exit_code == 1
    assert [line for line in lines(result) if '  FAIL  ' in line] == [PERFORMANCE_SCHEMA_OFF]
    assert lines(result)[-1] == (
        "1 of 7 checks failed: set performance_schema=ON in the [mariadb] (or [mysqld]) section of the server's "
        'configuration and restart it.'
    )


def test_the_same_config_passes_once_performance_schema_is_on(agent_account, mariadb):
    assert mariadb.run('SELECT @@GLOBAL.performance_schema') == ((1,),)

    result = agent_account.verify()

    assert result.exit_code == 0, result.output
    assert 'performance_schema readable  pass    events_statements_summary_by_digest readable' in lines(result)


def test_without_extra_performance_metrics_a_server_without_performance_schema_passes(
    command_without_performance_schema,
):
    command = command_without_performance_schema
    command.setup('--drop-anonymous')
    command.config.write_text(
        command.config.read_text().replace('extra_performance_metrics: true', 'extra_performance_metrics: false')
    )

    result = command.verify()

    assert result.exit_code == 0, result.output
    assert (
        'performance_schema readable  pass    readable; off on this server, which the config does not need '
        '(extra_performance_metrics is off)'
    ) in lines(result)
