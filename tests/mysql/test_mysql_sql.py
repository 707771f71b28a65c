"""The SQL builders, the server flavour rules and the config file, without a server."""

import pytest

from datadog_exercise.mysql import MysqlError, config, sql


@pytest.mark.parametrize(
    'version, server, privileges, replication_status',
    [
        (
            '10.11.19-MariaDB-0+deb12u1',
            'MariaDB 10.11.19',
            ['REPLICATION CLIENT', 'PROCESS', 'SLAVE MONITOR'],
            'SHOW SLAVE STATUS',
        ),
        ('10.5.9-MariaDB', 'MariaDB 10.5.9', ['REPLICATION CLIENT', 'PROCESS', 'SLAVE MONITOR'], 'SHOW SLAVE STATUS'),
        ('10.5.8-MariaDB-log', 'MariaDB 10.5.8', ['REPLICATION CLIENT', 'PROCESS'], 'SHOW SLAVE STATUS'),
        ('10.4.34-MariaDB', 'MariaDB 10.4.34', ['REPLICATION CLIENT', 'PROCESS'], 'SHOW SLAVE STATUS'),
        ('8.4.2', 'MySQL 8.4.2', ['REPLICATION CLIENT', 'PROCESS'], 'SHOW REPLICA STATUS'),
        ('8.0.22-log', 'MySQL 8.0.22', ['REPLICATION CLIENT', 'PROCESS'], 'SHOW REPLICA STATUS'),
        ('8.0.21', 'MySQL 8.0.21', ['REPLICATION CLIENT', 'PROCESS'], 'SHOW SLAVE STATUS'),
    ],
)
def test_flavour_and_version_decide_the_grants_and_the_replication_statement(
    version, server, privileges, replication_status
):
    detected = sql.Server.from_version(version)

    assert str(detected) == server
    assert [privilege.name for privilege in detected.agent_privileges()] == privileges
    assert detected.replication_status == replication_status


def test_mariadb_lists_replication_client_as_binlog_monitor_from_10_5_2():
    def listed(version):
        replication_client, *_ = sql.Server.from_version(version).agent_privileges()
        return replication_client.listed_as

    assert (listed('10.5.1-MariaDB'), listed('10.5.2-MariaDB'), listed('8.0.36')) == (
        'REPLICATION CLIENT',
        'BINLOG MONITOR',
        'REPLICATION CLIENT',
    )


@pytest.mark.parametrize(
    'server, shown, sent, parameter',
    [
        (
            sql.Server('MariaDB', (10, 11, 6)),
            "CREATE USER 'datadog'@'%' IDENTIFIED BY PASSWORD '********' WITH MAX_USER_CONNECTIONS 5",
            'CREATE USER %s@%s IDENTIFIED BY PASSWORD %s WITH MAX_USER_CONNECTIONS 5',
            sql.native_password_hash("o'k\\x"),
        ),
        (
            sql.Server('MySQL', (8, 4, 2)),
            "CREATE USER 'datadog'@'%' IDENTIFIED BY '********' WITH MAX_USER_CONNECTIONS 5",
            'CREATE USER %s@%s IDENTIFIED BY %s WITH MAX_USER_CONNECTIONS 5',
            "o'k\\x",
        ),
    ],
    ids=['mariadb-sends-the-hash', 'mysql-sends-a-parameter'],
)
def test_a_statement_shows_a_mask_and_sends_every_value_as_a_parameter(server, shown, sent, parameter):
    [create, *grants] = sql.agent_account(server, False, "o'k\\x", set_password=False)

    assert (create.shown, create.sql, create.args) == (shown, sent, ('datadog', '%', parameter))
    assert "o'k" not in repr(create)
    assert all(grant.args == ('datadog', '%') and '%s@%s' in grant.sql for grant in grants)


def test_an_existing_account_keeps_its_password_unless_asked():
    server = sql.Server('MariaDB', (10, 11, 6))

    [kept, *_] = sql.agent_account(server, True, 'secret', set_password=False)
    [reset, *_] = sql.agent_account(server, True, 'secret', set_password=True)

    assert (kept.sql, kept.args) == ('ALTER USER %s@%s WITH MAX_USER_CONNECTIONS 5', ('datadog', '%'))
    assert reset.shown == "ALTER USER 'datadog'@'%' IDENTIFIED BY PASSWORD '********' WITH MAX_USER_CONNECTIONS 5"


def test_native_password_hash_is_the_one_mariadb_stores():
    # SELECT PASSWORD('pw1') on MariaDB 10.11
    assert sql.native_password_hash('pw1') == '*2B602296A79E0A8784ACC5C88D92E46588CCA3C3'


def test_current_user_is_split_at_the_last_at_sign():
    assert sql.Account.parse('ops@db@%') == sql.Account('ops@db', '%')
    assert sql.Account.parse('root@localhost').grantee == "'root'@'localhost'"


@pytest.mark.parametrize(
    'password',
    ['plain', 'with "double" and \'single\' quotes', 'back\\slash', 'é€ 🙂', 'line\u2028sep\x85arators', '- yes'],
)
def test_the_rendered_config_gives_back_any_password(tmp_path, password):
    written = config.AgentConfig('127.0.0.1', 3306, 'datadog', password)
    (tmp_path / 'mysql.d').mkdir()
    config.config_path(tmp_path).write_text(config.render(written))

    assert config.read(tmp_path) == written


@pytest.mark.parametrize(
    'text, message',
    [
        (
            'instances: []\n',
            '{path} has no instance under `instances:`; fix it, or pass --force to setup to rewrite it',
        ),
        (
            'instances:\n  - username: datadog\n',
            '{path}: the first instance has no `password`; fix it, or pass --force to setup to rewrite it',
        ),
        (
            'instances:\n  - username: datadog\n    password: 12345\n',
            '{path}: `password` in the first instance must be a string, got int',
        ),
        (
            "instances:\n  - username: datadog\n    password: x\n    port: '3306'\n",
            "{path}: `port` in the first instance must be an integer, got '3306'",
        ),
        (
            'instances:\n  - username: datadog\n    password: x\n    options: [extra_performance_metrics]\n',
            "{path}: `options` in the first instance must be a mapping, got ['extra_performance_metrics']",
        ),
    ],
)
def test_a_config_that_cannot_be_used_names_the_key(tmp_path, text, message):
    (tmp_path / 'mysql.d').mkdir()
    path = config.config_path(tmp_path)
    path.write_text(text)

    with pytest.raises(MysqlError) as error:
        config.read(tmp_path)

    assert str(error.value) == message.format(path=path)


@pytest.mark.parametrize(
    'options, asked',
    [('', False), ('    options: {}\n', False), ('    options:\n      extra_performance_metrics: "yes"\n', True)],
    ids=['no-options', 'empty-options', 'affirmative-string'],
)
def test_extra_performance_metrics_is_read_as_the_agent_reads_it(tmp_path, options, asked):
    (tmp_path / 'mysql.d').mkdir()
    config.config_path(tmp_path).write_text(f'instances:\n  - username: datadog\n    password: x\n{options}')

    assert config.read(tmp_path).extra_performance_metrics is asked


def test_a_missing_config_reads_as_none(tmp_path):
    assert config.read(tmp_path) is None


def test_a_link_at_the_config_is_refused_not_followed(tmp_path):
    (tmp_path / 'mysql.d').mkdir()
    secret = tmp_path / 'shadow'
    secret.write_text('instances:\n  - username: root\n    password: the-root-password\n')
    config.config_path(tmp_path).symlink_to(secret)

    with pytest.raises(MysqlError) as error:
        config.read(tmp_path)
    with pytest.raises(MysqlError):
        config.write(tmp_path, 'init_config:\n', None)

    assert str(error.value).startswith(f'{config.config_path(tmp_path)} is a symbolic link')
    assert secret.read_text() == 'instances:\n  - username: root\n    password: the-root-password\n'
