"""`datadog-exercise mysql setup` against a real MariaDB server."""

import grp
import os
import stat

import pytest
import yaml

AGENT_PASSWORD = "it's a \\ 'secret'"  # quotes and a backslash: the SQL literal must escape them
STATEMENTS_ON_A_FRESH_SERVER = [
    "CREATE USER 'datadog'@'%' IDENTIFIED BY PASSWORD '********' WITH MAX_USER_CONNECTIONS 5;",
    "GRANT REPLICATION CLIENT, PROCESS, SLAVE MONITOR ON *.* TO 'datadog'@'%';",
    "GRANT SELECT ON performance_schema.* TO 'datadog'@'%';",
]
STATEMENTS_ON_AN_EXISTING_ACCOUNT = [
    "ALTER USER 'datadog'@'%' WITH MAX_USER_CONNECTIONS 5;",
    *STATEMENTS_ON_A_FRESH_SERVER[1:],
]
# What setup says about the file's group: this machine may or may not have the Agent's group.
OWNER = 'group dd-agent' if 'dd-agent' in {group.gr_name for group in grp.getgrall()} else 'no dd-agent group here'
ANONYMOUS_WARNING = (
    "warning: 'datadog'@'%' is shadowed by the anonymous ''@'localhost', ''@'{hostname}': logins as 'datadog' "
    'from localhost, {hostname} are refused; rerun with --drop-anonymous to drop anonymous accounts'
)


def header(mariadb, where=None):
    return f'{mariadb.version} at {where or f"127.0.0.1:{mariadb.port}"}, logged in as root@localhost'


def agent_grants(mariadb):
    return [row[0] for row in mariadb.run("SHOW GRANTS FOR 'datadog'@'%'")]


def expected_agent_grants(mariadb, password):
    with mariadb.admin() as connection, connection.cursor() as cursor:
        cursor.execute('SELECT PASSWORD(%s)', (password,))  # the server's own hash of the password
        [(stored,)] = cursor.fetchall()
    return [
        'GRANT PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO `datadog`@`%` '
        f"IDENTIFIED BY PASSWORD '{stored}' WITH MAX_USER_CONNECTIONS 5",
        'GRANT SELECT ON `performance_schema`.* TO `datadog`@`%`',
    ]


def anonymous_accounts(mariadb):
    return sorted(mariadb.run("SELECT user, host FROM mysql.user WHERE user = ''"))


def hostname(mariadb):
    """The machine's name, which mariadb-install-db gave its second anonymous account."""
    [(host,)] = mariadb.run("SELECT host FROM mysql.user WHERE user = '' AND host <> 'localhost'")
    return host


def test_a_fresh_server_gets_the_agent_account_with_the_documented_grants(command, mariadb):
    host = hostname(mariadb)

    result = command.setup('--drop-anonymous', agent_password=AGENT_PASSWORD)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        header(mariadb),
        "DROP USER ''@'localhost';",
        f"DROP USER ''@'{host}';",
        *STATEMENTS_ON_A_FRESH_SERVER,
        f'wrote {command.config} (mode 0640, {OWNER})',
        f'Next: datadog-exercise mysql verify --confd {command.confd}; then restart the Agent and run '
        'sudo -u dd-agent datadog-agent check mysql',
    ]
    assert result.stderr == ''
    assert agent_grants(mariadb) == expected_agent_grants(mariadb, AGENT_PASSWORD)


def test_the_config_holds_what_the_agent_needs_readable_by_owner_and_group_only(command, mariadb):
    command.setup(agent_password=AGENT_PASSWORD)

    assert yaml.safe_load(command.config.read_text()) == {
        'init_config': None,
        'instances': [
            {
                'host': '127.0.0.1',
                'port': mariadb.port,
                'username': 'datadog',
                'password': AGENT_PASSWORD,
                'options': {
                    'replication': False,
                    'extra_status_metrics': True,
                    'extra_innodb_metrics': True,
                    'extra_performance_metrics': True,
                    'schema_size_metrics': False,
                },
            }
        ],
    }
    assert stat.S_IMODE(command.config.stat().st_mode) == 0o640


def test_without_datadog_mysql_password_a_generated_one_is_set_and_written(command, mariadb):
    command.setup()

    password = yaml.safe_load(command.config.read_text())['instances'][0]['password']
    assert len(password) == 32
    assert agent_grants(mariadb) == expected_agent_grants(mariadb, password)


def test_a_second_run_runs_the_same_grants_and_leaves_the_same_state(command, mariadb):
    command.setup(agent_password=AGENT_PASSWORD)
    state, config = mariadb.snapshot(), command.config.read_bytes()

    # No DATADOG_MYSQL_PASSWORD this time: the password comes from the config written by the first run.
    result = command.setup()

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:-1] == [
        *STATEMENTS_ON_AN_EXISTING_ACCOUNT,
        f'kept {command.config}: it exists (--force rewrites it)',
    ]
    assert mariadb.snapshot() == state
    assert command.config.read_bytes() == config


def test_dry_run_prints_the_sql_with_the_password_masked_and_changes_nothing(command, mariadb):
    state = mariadb.snapshot()

    result = command.setup('--dry-run', agent_password=AGENT_PASSWORD)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        header(mariadb),
        'Dry run: nothing is changed. The SQL it would run (passwords masked):',
        *STATEMENTS_ON_A_FRESH_SERVER,
        f'would write {command.config} (mode 0640, {OWNER})',
    ]
    assert mariadb.snapshot() == state
    assert not command.config.exists()


def test_anonymous_accounts_are_reported_and_kept_without_drop_anonymous(command, mariadb):
    before = anonymous_accounts(mariadb)

    result = command.setup(agent_password=AGENT_PASSWORD)

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [ANONYMOUS_WARNING.format(hostname=hostname(mariadb))]
    assert anonymous_accounts(mariadb) == before == [('', 'localhost'), ('', hostname(mariadb))]


def test_drop_anonymous_drops_them_and_nothing_else_changes(command, mariadb):
    rows_before, grants_before = mariadb.snapshot()

    result = command.setup('--drop-anonymous', agent_password=AGENT_PASSWORD)

    assert result.exit_code == 0, result.output
    rows_after, grants_after = mariadb.snapshot()
    anonymous = {('', 'localhost'), ('', hostname_from(rows_before))}
    assert [row for row in rows_after if row[0] != 'datadog'] == [
        row for row in rows_before if (row[0], row[1]) not in anonymous
    ]
    assert {account: grants for account, grants in grants_after.items() if account[0] != 'datadog'} == {
        account: grants for account, grants in grants_before.items() if account not in anonymous
    }
    assert anonymous_accounts(mariadb) == []


def hostname_from(rows):
    [host] = [host for user, host, _ in rows if user == '' and host != 'localhost']
    return host


def test_wrong_admin_password_is_refused_and_changes_nothing(command, mariadb):
    state = mariadb.snapshot()

    result = command.setup(admin_password='not-the-root-password', agent_password=AGENT_PASSWORD)

    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot log in to 127.0.0.1:{mariadb.port} as 'root': Access denied for user 'root'@'localhost' "
        "(using password: YES); set MYSQL_ADMIN_PASSWORD to the password of 'root', or choose the account "
        'with --admin-user (a root that logs in by unix socket, as on Debian, needs sudo and '
        '--socket /run/mysqld/mysqld.sock)\n'
    )
    assert mariadb.snapshot() == state
    assert not command.config.exists()


def test_the_admin_password_can_be_typed_at_the_prompt(command, mariadb):
    result = command.setup(prompt_input=f'{mariadb.root_password}\n', agent_password=AGENT_PASSWORD)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == ["Password of 'root': ", header(mariadb)]


def test_an_unreachable_server_is_a_clear_error(command, mariadb, unused_port):
    result = command.setup('--port', str(unused_port), agent_password=AGENT_PASSWORD)

    assert result.exit_code == 1
    assert result.stderr == (
        f'Error: cannot reach a MySQL or MariaDB server at 127.0.0.1:{unused_port}: Connection refused; '
        'check --host and --port and that the server is running\n'
    )
    assert not command.config.exists()


@pytest.mark.parametrize(
    'grants, lacks',
    [
        (
            [],
            'CREATE USER, REPLICATION CLIENT WITH GRANT OPTION, PROCESS WITH GRANT OPTION, '
            'SLAVE MONITOR WITH GRANT OPTION, SELECT ON performance_schema.* WITH GRANT OPTION',
        ),
        (
            # May create users, but not grant: without the check first, CREATE USER would pass and GRANT fail.
            ["GRANT CREATE USER, PROCESS, REPLICATION CLIENT, SLAVE MONITOR, SELECT ON *.* TO 'operator'@'localhost'"],
            'REPLICATION CLIENT WITH GRANT OPTION, PROCESS WITH GRANT OPTION, SLAVE MONITOR WITH GRANT OPTION, '
            'SELECT ON performance_schema.* WITH GRANT OPTION',
        ),
    ],
    ids=['no-privileges', 'no-grant-option'],
)
def test_an_admin_that_cannot_grant_is_refused_before_any_change(command, mariadb, grants, lacks):
    mariadb.run("CREATE USER 'operator'@'localhost' IDENTIFIED BY 'operator-password'", *grants)
    state = mariadb.snapshot()

    result = command.setup(
        '--admin-user', 'operator', '--drop-anonymous', admin_password='operator-password', agent_password='x1'
    )

    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: 'operator'@'localhost' cannot set up 'datadog'@'%': it lacks {lacks}; "
        'run setup as an account that has them, such as root (--admin-user)\n'
    )
    assert mariadb.snapshot() == state
    assert not command.config.exists()


@pytest.mark.parametrize(
    'agent_password, message',
    [
        (
            'a-new-password',
            "Error: 'datadog'@'%' already exists with a password other than the one from DATADOG_MYSQL_PASSWORD: "
            'set DATADOG_MYSQL_PASSWORD to its password, or pass --reset-password to replace it\n',
        ),
        (
            None,
            "Error: 'datadog'@'%' already exists and no password for it was given: set DATADOG_MYSQL_PASSWORD "
            'to its password, or pass --reset-password to give it a new one\n',
        ),
    ],
    ids=['other-password', 'no-password-given'],
)
def test_an_existing_agent_account_with_another_password_is_refused_and_kept(command, mariadb, agent_password, message):
    mariadb.run("CREATE USER 'datadog'@'%' IDENTIFIED BY 'the-old-password'", "GRANT PROCESS ON *.* TO 'datadog'@'%'")
    state = mariadb.snapshot()

    result = command.setup('--drop-anonymous', agent_password=agent_password)

    assert result.exit_code == 1
    assert result.stderr == message
    assert mariadb.snapshot() == state
    assert not command.config.exists()


def test_an_account_whose_password_moved_away_from_the_kept_config_gets_it_back_with_reset_password(command, mariadb):
    command.setup(agent_password=AGENT_PASSWORD)
    mariadb.run("ALTER USER 'datadog'@'%' IDENTIFIED BY 'changed-by-hand'")
    state = mariadb.snapshot()

    refused = command.setup()
    state_after_refusal = mariadb.snapshot()
    reset = command.setup('--reset-password')

    assert refused.exit_code == 1
    assert refused.stderr == (
        f"Error: 'datadog'@'%' already exists with a password other than the one in {command.config}: "
        'pass --reset-password to give it that one, or --force with DATADOG_MYSQL_PASSWORD set to its password '
        'to rewrite the file\n'
    )
    assert state_after_refusal == state
    assert reset.exit_code == 0, reset.output
    assert agent_grants(mariadb) == expected_agent_grants(mariadb, AGENT_PASSWORD)


def test_reset_password_gives_the_existing_account_the_new_password(command, mariadb):
    mariadb.run("CREATE USER 'datadog'@'%' IDENTIFIED BY 'the-old-password'")

    result = command.setup('--reset-password', agent_password=AGENT_PASSWORD)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        "ALTER USER 'datadog'@'%' IDENTIFIED BY PASSWORD '********' WITH MAX_USER_CONNECTIONS 5;"
    )
    assert agent_grants(mariadb) == expected_agent_grants(mariadb, AGENT_PASSWORD)


def test_an_existing_account_with_another_login_method_is_checked_by_logging_in(command, mariadb):
    # unix_socket keeps no hash to compare: setup logs in to find out, and the login is refused.
    mariadb.run("CREATE USER 'datadog'@'%' IDENTIFIED VIA unix_socket")
    state = mariadb.snapshot()

    refused = command.setup(agent_password=AGENT_PASSWORD)
    state_after_refusal = mariadb.snapshot()
    reset = command.setup('--reset-password', agent_password=AGENT_PASSWORD)

    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: 'datadog'@'%' already exists with a password other than")
    assert state_after_refusal == state
    assert reset.exit_code == 0, reset.output
    assert agent_grants(mariadb) == expected_agent_grants(mariadb, AGENT_PASSWORD)


def test_an_existing_config_is_kept_unless_force(command, mariadb):
    command.setup(agent_password=AGENT_PASSWORD)
    edited = command.config.read_text() + '# edited by hand\n'
    command.config.write_text(edited)

    kept = command.setup()
    assert command.config.read_text() == edited
    forced = command.setup('--force')

    assert kept.exit_code == forced.exit_code == 0
    assert f'wrote {command.config} (mode 0640, {OWNER})' in forced.stdout.splitlines()
    assert '# edited by hand' not in command.config.read_text()
    assert yaml.safe_load(command.config.read_text())['instances'][0]['password'] == AGENT_PASSWORD


def test_a_password_that_differs_from_the_kept_config_is_refused(command, mariadb):
    command.setup(agent_password=AGENT_PASSWORD)
    state = mariadb.snapshot()

    result = command.setup(agent_password='another-password')

    assert result.exit_code == 1
    assert result.stderr == (
        f'Error: DATADOG_MYSQL_PASSWORD differs from the password in {command.config}, which is kept: '
        'pass --force to rewrite the file with it, or unset DATADOG_MYSQL_PASSWORD\n'
    )
    assert mariadb.snapshot() == state


def test_a_missing_confd_folder_is_refused_before_connecting(command, mariadb):
    state = mariadb.snapshot()

    result = command.setup('--confd', str(command.confd / 'missing'), agent_password=AGENT_PASSWORD)

    assert result.exit_code == 1
    assert result.stderr == (
        f'Error: there is no Agent conf.d folder at {command.confd / "missing"}: install the Agent, '
        'or pass --confd DIR\n'
    )
    assert mariadb.snapshot() == state


def test_the_admin_can_log_in_through_the_unix_socket(command, mariadb):
    result = command.setup('--socket', mariadb.socket, agent_password=AGENT_PASSWORD)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == header(mariadb, where=mariadb.socket)
    assert yaml.safe_load(command.config.read_text())['instances'][0]['host'] == '127.0.0.1'


def test_the_config_gets_the_group_when_it_exists(tmp_path):
    from datadog_exercise.mysql import config

    group = another_group_this_process_may_use()
    path = tmp_path / 'mysql.d' / 'conf.yaml'

    config.write(tmp_path, 'init_config:\n', group.gr_name)

    assert path.read_text() == 'init_config:\n'
    assert path.stat().st_gid == group.gr_gid
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [entry.name for entry in path.parent.iterdir()] == ['conf.yaml']


def another_group_this_process_may_use():
    # root may give a file any group; others only their own groups
    candidates = [group.gr_gid for group in grp.getgrall()] if os.geteuid() == 0 else os.getgroups()
    others = [gid for gid in candidates if gid != os.getegid()]
    if not others:
        pytest.skip('this process may use no group other than its own')
    return grp.getgrgid(others[0])


@pytest.mark.parametrize('force', [False, True], ids=['kept', 'force'])
def test_a_link_at_the_config_is_refused_before_any_change(command, mariadb, tmp_path, force):
    # conf.d belongs to the Agent's user, who may put a link there: setup must neither follow nor replace it.
    target = tmp_path / 'root-only.yaml'
    target.write_text('instances:\n  - username: datadog\n    password: from-the-link\n')
    command.config.parent.mkdir()
    command.config.symlink_to(target)
    state = mariadb.snapshot()

    result = command.setup(*(['--force'] if force else []), agent_password=AGENT_PASSWORD)

    assert result.exit_code == 1
    assert result.stderr.startswith(f'Error: {command.config} is a symbolic link: ')
    assert mariadb.snapshot() == state
    assert target.read_text() == 'instances:\n  - username: datadog\n    password: from-the-link\n'
