"""Which passwords the Agent can log in with, and the refusal of the others before anything is sent.

The Agent's mysql check gives PyMySQL the password as text, and PyMySQL sends it as Latin-1 bytes
(`password.encode("latin1")` in pymysql/connections.py), where the mariadb client and any UTF-8 connection
send UTF-8. The first tests show what that does to an account; then setup and verify refuse such passwords
(and NUL, which C clients cannot send) before their first statement, and accept the admin's own password in
any characters, sent as the mariadb client sends it.
"""

import pymysql
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datadog_exercise.mysql import MysqlError
from datadog_exercise.mysql.connection import check_agent_password

NOT_ASCII = (
    '{source} holds a character that is not ASCII, or NUL: the Agent logs in with PyMySQL, which sends a password '
    'as Latin-1 bytes where other clients send UTF-8, so only ASCII passwords without NUL work for every client; '
    '{remedy}'
)
# Latin-1 but not ASCII, beyond Latin-1, astral (two UTF-16 units), a lone surrogate (bytes that are not UTF-8,
# as Python keeps them from the environment)
FROM_THE_ENVIRONMENT = NOT_ASCII.format(source='DATADOG_MYSQL_PASSWORD', remedy='choose another password')
REFUSED = {
    'latin-1': 'pässwörd',
    'euro-sign': 'pa€€word',
    'emoji': 'pass🙂word',
    'astral': 'pass\U0001d51eword',  # MATHEMATICAL FRAKTUR SMALL A, outside the Basic Multilingual Plane
    'surrogate': 'p\udce4ss',
}


def log_in(server, password):
    return pymysql.connect(
        host='127.0.0.1', port=server.port, user='agent', password=password, connect_timeout=5, ssl_disabled=True
    )


def test_a_latin_1_password_set_over_utf_8_is_refused_to_the_agents_client(mariadb):
    # Root's connection is utf8mb4, as the mariadb client's: the server hashes the password's UTF-8 bytes.
    mariadb.run("DROP USER ''@'localhost'", "CREATE USER 'agent'@'%' IDENTIFIED BY 'pässwörd'")

    with pytest.raises(pymysql.err.OperationalError) as refused:
        log_in(mariadb, 'pässwörd')  # what the Agent does: Latin-1 bytes
    log_in(mariadb, 'pässwörd'.encode()).close()  # the same characters as UTF-8 bytes

    assert refused.value.args[0] == 1045


def test_a_password_beyond_latin_1_cannot_even_be_sent_by_the_agents_client(mariadb):
    with pytest.raises(UnicodeEncodeError):
        log_in(mariadb, 'pass🙂word')


def connections(server):
    """The server's count of connection attempts, this query's own included."""
    [(_, count)] = server.run("SHOW GLOBAL STATUS LIKE 'Connections'")
    return int(count)


@pytest.mark.parametrize('password', REFUSED.values(), ids=REFUSED.keys())
def test_setup_refuses_it_from_the_environment_before_connecting(command, mariadb, password):
    state, before = mariadb.snapshot(), connections(mariadb)

    result = command.setup(agent_password=password)

    assert result.exit_code == 1
    assert result.stderr == f'Error: {FROM_THE_ENVIRONMENT}\n'
    assert connections(mariadb) == before + 1  # this count's own connection: setup never connected
    assert mariadb.snapshot() == state


def config_with_password(command, password):
    import yaml

    command.config.parent.mkdir()
    command.config.write_text(
        'instances:\n  - host: 127.0.0.1\n    port: 3306\n    username: datadog\n'
        f'    password: {yaml.safe_dump(password, default_style=chr(34)).strip()}\n'
    )


@pytest.mark.parametrize('password', ['nul\x00inside', 'pässwörd', 'pass🙂word'], ids=['nul', 'latin-1', 'emoji'])
def test_setup_and_verify_refuse_it_from_a_kept_config_before_connecting(command, mariadb, password):
    config_with_password(command, password)
    state, before = mariadb.snapshot(), connections(mariadb)

    set_up = command.setup()
    verified = command.verify()

    source = f'the password in {command.config}'
    assert (
        set_up.stderr
        == 'Error: '
        + NOT_ASCII.format(
            source=source, remedy='give another one with DATADOG_MYSQL_PASSWORD, --force and --reset-password'
        )
        + '\n'
    )
    assert (
        verified.stderr
        == 'Error: '
        + NOT_ASCII.format(
            source=source, remedy='give another one to setup with DATADOG_MYSQL_PASSWORD, --force and --reset-password'
        )
        + '\n'
    )
    assert (set_up.exit_code, verified.exit_code) == (1, 1)
    assert connections(mariadb) == before + 1
    assert mariadb.snapshot() == state


@pytest.mark.parametrize('password', ['pässwörd', 'pass🙂word'], ids=['latin-1', 'emoji'])
def test_verify_refuses_it_from_the_environment_before_connecting(command, mariadb, password):
    before = connections(mariadb)

    result = command.verify(agent_password=password)

    assert result.exit_code == 1
    assert result.stderr == f'Error: {FROM_THE_ENVIRONMENT}\n'
    assert connections(mariadb) == before + 1


@settings(max_examples=200, deadline=None)
@given(password=st.text(min_size=1, max_size=20))
def test_exactly_ascii_without_nul_is_accepted_and_the_refusal_never_shows_the_password(password):
    try:
        check_agent_password(password, 'DATADOG_MYSQL_PASSWORD')
    except MysqlError as error:
        assert any(character == '\x00' or ord(character) > 127 for character in password)
        assert str(error) == FROM_THE_ENVIRONMENT
    else:
        assert all(0 < ord(character) < 128 for character in password)


@pytest.mark.parametrize(
    'typed, stored',
    [('pässwörd', 'pässwörd'.encode()), ('pass🙂word', 'pass🙂word'.encode()), ('p\udce4ss', b'p\xe4ss')],
    ids=['latin-1', 'emoji', 'bytes-that-are-not-utf-8'],
)
def test_the_admins_password_in_any_characters_is_sent_as_the_mariadb_client_sends_it(command, mariadb, typed, stored):
    """As UTF-8 (what the mariadb client sends from a UTF-8 terminal), or the environment's own bytes."""
    from datadog_exercise.mysql import sql

    mariadb.run(
        f"CREATE USER 'operator'@'localhost' IDENTIFIED BY PASSWORD '{native_hash(stored)}'",
        "GRANT CREATE USER, SELECT, PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO 'operator'@'localhost' "
        'WITH GRANT OPTION',
    )

    result = command.setup('--admin-user', 'operator', '--drop-anonymous', admin_password=typed)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith('logged in as operator@localhost')
    assert sql.AGENT.user in {user for user, _ in mariadb.accounts()}


def native_hash(password_bytes):
    import hashlib

    return '*' + hashlib.sha1(hashlib.sha1(password_bytes).digest()).hexdigest().upper()
