"""Passwords and account names reach the server exactly as given, under every sql_mode, and touch no other account.

Each case runs `mysql setup` against the session's MariaDB with the server's sql_mode set as a user could have it:
the default, NO_BACKSLASH_ESCAPES (where a backslash is an ordinary character, so backslash-escaping lets a quote
end the string), ANSI_QUOTES, both, and NO_BACKSLASH_ESCAPES set by init_connect for an admin without SUPER (the
server announces the mode before init_connect changes it). A `bystander` account stands for everyone else's: its
row in mysql.global_priv and its grants must not change, whatever the password tries.
"""

import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadog_exercise.mysql import sql
from datadog_exercise.mysql.connection import ANNOUNCE_SQL_MODE, execute

from mysql_server import MariaDB

OPERATOR_PASSWORD = 'operator-password'
BYSTANDER = ('bystander', '%')


@dataclass(frozen=True)
class Session:
    """How the server runs, and which admin sets up."""

    global_sql_mode: str | None  # None: the server's default
    init_connect: str = ''
    admin: str = 'root'


SESSIONS = {
    'default': Session(None),
    'no-backslash-escapes': Session('NO_BACKSLASH_ESCAPES'),
    'ansi-quotes': Session('ANSI_QUOTES'),
    'ansi-and-no-backslash-escapes': Session('ANSI,NO_BACKSLASH_ESCAPES'),
    'init-connect-no-backslash-escapes': Session(
        None, init_connect="SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'", admin='operator'
    ),
}

# One member of each way a value has broken out of a hand-quoted string, or could.
PASSWORDS = {
    'quote': "it's",
    'backslash': 'back\\slash',
    'trailing-backslash': 'ends-with\\',
    'backslash-quote': "\\'; DROP USER 'bystander'@'%'; -- ",
    'wildcards': '100%_sure',
    'or-true': "' OR '1'='1",
    'newline-and-tab': 'two\nlines\tand a tab',
    # Locked `bystander` when backslash-escaped under NO_BACKSLASH_ESCAPES: the \' closed the string.
    'lock-the-bystander': "x' , `bystander`@`%` ACCOUNT LOCK #",
    'lock-the-bystander-ansi': 'x\', "bystander"@"%" ACCOUNT LOCK -- ',
}


@contextlib.contextmanager
def server_running_as(server, session):
    """The server with SESSION's global sql_mode and init_connect, put back on exit; and the admin to log in as."""
    with server.admin() as connection, connection.cursor() as cursor:
        if session.global_sql_mode is None:
            cursor.execute('SET GLOBAL sql_mode = DEFAULT')
        else:
            cursor.execute('SET GLOBAL sql_mode = %s', (session.global_sql_mode,))
        cursor.execute('SET GLOBAL init_connect = %s', (session.init_connect,))
    try:
        yield
    finally:
        with server.admin() as connection, connection.cursor() as cursor:
            cursor.execute('SET GLOBAL sql_mode = DEFAULT')
            cursor.execute("SET GLOBAL init_connect = ''")


def prepare_accounts(server, session):
    """The bystander, and for a non-root session the operator: every privilege setup needs, but not SUPER (so
    that init_connect runs for it)."""
    server.run(
        "CREATE USER 'bystander'@'%' IDENTIFIED BY 'bystander-password' WITH MAX_QUERIES_PER_HOUR 7",
        "GRANT SELECT ON mysql.* TO 'bystander'@'%'",
    )
    if session.admin == 'operator':
        server.run(
            f"CREATE USER 'operator'@'localhost' IDENTIFIED BY '{OPERATOR_PASSWORD}'",
            "GRANT CREATE USER, SELECT, PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO 'operator'@'localhost' "
            'WITH GRANT OPTION',
        )


def others(snapshot):
    """Every account but the Agent's and the anonymous ones (which --drop-anonymous drops)."""
    rows, grants = snapshot
    kept = {account for account in grants if account[0] not in ('datadog', '')}
    return [row for row in rows if (row[0], row[1]) in kept], {account: grants[account] for account in kept}


def agent_row(server):
    return server.run("SELECT authentication_string, plugin FROM mysql.user WHERE user = 'datadog'")


def log_in_as_the_agent(server, password):
    """As the Agent's mysql check does: PyMySQL, the password as text, over TCP (no TLS attempt: 50 ms saved)."""
    pymysql.connect(
        host='127.0.0.1', port=server.port, user='datadog', password=password, connect_timeout=5, ssl_disabled=True
    ).close()


CREATED = [
    "CREATE USER 'datadog'@'%' IDENTIFIED BY PASSWORD '********' WITH MAX_USER_CONNECTIONS 5;",
    "GRANT REPLICATION CLIENT, PROCESS, SLAVE MONITOR ON *.* TO 'datadog'@'%';",
    "GRANT SELECT ON performance_schema.* TO 'datadog'@'%';",
]
RESET = [CREATED[0].replace('CREATE', 'ALTER'), *CREATED[1:]]


def statements_shown(result):
    """The statements setup printed; every other line it prints is made of names, paths and counts."""
    lines = result.stdout.splitlines()
    assert lines[0].startswith('MariaDB ') and lines[-2].startswith(('wrote ', 'kept ')), lines
    assert lines[-1].startswith('Next: datadog-exercise mysql verify') and result.stderr == ''
    return [line for line in lines[1:-2] if not line.startswith("DROP USER ''@")]


def run_setup(server, confd, session, password, *args):
    from click.testing import CliRunner

    from datadog_exercise.cli import main

    admin_password = server.root_password if session.admin == 'root' else OPERATOR_PASSWORD
    return CliRunner().invoke(
        main,
        ['mysql', 'setup', '--port', str(server.port), '--confd', str(confd), '--admin-user', session.admin, *args],
        env={'MYSQL_ADMIN_PASSWORD': admin_password, 'DATADOG_MYSQL_PASSWORD': password},
    )


def set_up_and_check(server, session, password):
    """Create the account, then give it the password again over another one (the ALTER USER path)."""
    prepare_accounts(server, session)
    before = others(server.snapshot())
    with tempfile.TemporaryDirectory() as confd:
        created = run_setup(server, Path(confd), session, password, '--drop-anonymous')
        assert created.exit_code == 0, created.output
        log_in_as_the_agent(server, password)
        server.run("ALTER USER 'datadog'@'%' IDENTIFIED BY 'changed-by-hand'")
        reset = run_setup(server, Path(confd), session, password, '--reset-password')
        assert reset.exit_code == 0, reset.output
    log_in_as_the_agent(server, password)
    assert agent_row(server) == ((sql.native_password_hash(password), 'mysql_native_password'),)
    assert others(server.snapshot()) == before
    # Nothing of the password is printed: the output is exactly the masked statements and the usual lines.
    assert (statements_shown(created), statements_shown(reset)) == (CREATED, RESET)


@pytest.mark.parametrize('password', PASSWORDS.values(), ids=PASSWORDS.keys())
@pytest.mark.parametrize('session', SESSIONS.values(), ids=SESSIONS.keys())
def test_the_password_reaches_the_server_exactly_and_no_other_account_changes(mariadb, session, password):
    with server_running_as(mariadb, session):
        set_up_and_check(mariadb, session, password)


@pytest.mark.parametrize('session', SESSIONS.values(), ids=SESSIONS.keys())
def test_anonymous_accounts_with_any_host_are_dropped_exactly(mariadb, session):
    create_anonymous(mariadb, ["h'x", 'h\\', "h\\'; DROP USER 'bystander'@'%'; -- ", '`h`', '"h"', 'a\nb', '10.%', 'é'])
    with server_running_as(mariadb, session):
        prepare_accounts(mariadb, session)
        before = others(mariadb.snapshot())
        with tempfile.TemporaryDirectory() as confd:
            result = run_setup(mariadb, Path(confd), session, 'agent-password', '--drop-anonymous')
        after = others(mariadb.snapshot())  # in the same mode: SHOW GRANTS quotes names by it

    assert result.exit_code == 0, result.output
    assert mariadb.run("SELECT host FROM mysql.user WHERE user = ''") == ()
    assert after == before
    # Names are shown with their control characters escaped: a host cannot forge an output line.
    assert "DROP USER ''@'a\\nb';" in result.stdout.splitlines()


def quoted_for_root(host):
    """`''@'host'` for the test's own statements, on root's connections (the server's default mode)."""
    return f"''@'{pymysql.converters.escape_string(host)}'"


def create_anonymous(server, hosts):
    for host in hosts:
        # Hosts compare case-insensitively and without trailing spaces: a generated twin already exists.
        with contextlib.suppress(pymysql.err.OperationalError):
            server.run(f'CREATE USER {quoted_for_root(host)}')


@pytest.mark.parametrize('session', SESSIONS.values(), ids=SESSIONS.keys())
def test_the_statements_send_any_ascii_password_as_a_parameter_on_mysql_too(mariadb, session):
    """MySQL gets the password itself as the parameter of IDENTIFIED BY (no native hash there). MariaDB takes the
    same statements, so the family runs them here, NUL and control characters included."""
    server = sql.Server('MySQL', (8, 4, 2))
    passwords = [*PASSWORDS.values(), 'nul\x00inside', ''.join(map(chr, range(1, 128)))]
    with server_running_as(mariadb, session):
        prepare_accounts(mariadb, session)
        before = others(mariadb.snapshot())
        for password in passwords:
            mariadb.run("DROP USER IF EXISTS 'datadog'@'%'")
            admin = mariadb.admin() if session.admin == 'root' else operator_connection(mariadb)
            with admin as connection, connection.cursor() as cursor:
                cursor.execute(ANNOUNCE_SQL_MODE)
                for statement in sql.agent_account(server, False, password, set_password=False):
                    execute(cursor, statement)
            assert agent_row(mariadb) == ((sql.native_password_hash(password), 'mysql_native_password'),)
        assert others(mariadb.snapshot()) == before


def operator_connection(server):
    return pymysql.connect(
        unix_socket=server.socket, user='operator', password=OPERATOR_PASSWORD, autocommit=True, ssl_disabled=True
    )


def test_without_the_announcement_pymysql_would_quote_for_the_wrong_mode(mariadb):
    """Why connection.connect sets sql_mode to itself: after init_connect, PyMySQL still believes the handshake."""
    session = SESSIONS['init-connect-no-backslash-escapes']
    with server_running_as(mariadb, session):
        prepare_accounts(mariadb, session)
        with operator_connection(mariadb) as connection, connection.cursor() as cursor:
            cursor.execute('SELECT @@SESSION.sql_mode')
            [(mode,)] = cursor.fetchall()
            stale = connection.escape("x'y")

    assert mode == 'NO_BACKSLASH_ESCAPES'
    assert stale == "'x\\'y'"  # backslash-quoting, which this session reads as: 'x\' then y'


# ---- generated families ------------------------------------------------------------------------------------------

SPECIALS = [*'\'"\\`%_#;-@ \n\t', "' OR '1'='1", '`bystander`@`%`', ' ACCOUNT LOCK #']
ascii_passwords = st.lists(
    st.one_of(st.sampled_from(SPECIALS), st.characters(min_codepoint=1, max_codepoint=127)), min_size=1, max_size=12
).map(''.join)
# mysql.global_priv keeps hosts in utf8mb3: the Basic Multilingual Plane, without surrogates. Control characters
# other than newline and tab are left out: SHOW GRANTS, which the test's snapshot uses, cannot find such accounts.
any_host = st.lists(
    st.one_of(
        st.sampled_from(SPECIALS),
        st.characters(min_codepoint=1, max_codepoint=0xFFFF, exclude_categories=('Cs', 'Cc')),
    ),
    min_size=1,
    max_size=8,
).map(''.join)
HYPOTHESIS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYPOTHESIS
@given(password=ascii_passwords, session=st.sampled_from(list(SESSIONS.values())))
def test_any_ascii_password_without_nul_reaches_the_server_exactly(mariadb_server: MariaDB, password, session):
    mariadb_server.reset()
    with server_running_as(mariadb_server, session):
        set_up_and_check(mariadb_server, session, password)


def usable_host(host):
    """MariaDB compares hosts without their trailing spaces: '% ' is ''@'%' (which setup keeps on purpose), ' ' a
    role's row, and SHOW GRANTS (the test's snapshot) cannot find an account whose host ends with a space."""
    return len(host) <= 60 and host == host.rstrip(' ') and host not in ('', '%')


@HYPOTHESIS
@given(
    hosts=st.lists(any_host.filter(usable_host), min_size=1, max_size=3),
    session=st.sampled_from(list(SESSIONS.values())),
)
def test_anonymous_accounts_with_any_hosts_are_dropped_and_nothing_else(mariadb_server: MariaDB, hosts, session):
    mariadb_server.reset()
    create_anonymous(mariadb_server, hosts)
    try:
        with server_running_as(mariadb_server, session):
            prepare_accounts(mariadb_server, session)
            before = others(mariadb_server.snapshot())
            with tempfile.TemporaryDirectory() as confd:
                result = run_setup(mariadb_server, Path(confd), session, 'agent-password', '--drop-anonymous')
            after = others(mariadb_server.snapshot())
    finally:  # whatever happened, the next example starts from the same accounts (DROP USER is what is tested)
        mariadb_server.run("DELETE FROM mysql.global_priv WHERE user = ''", 'FLUSH PRIVILEGES')

    assert result.exit_code == 0, result.output
    assert mariadb_server.run("SELECT host FROM mysql.user WHERE user = ''") == ()
    assert after == before


@pytest.mark.parametrize('admin', ["o'brien", 'back\\slash', 'at@sign', "x' OR '1'='1"])
@pytest.mark.parametrize(
    'session', [SESSIONS['default'], SESSIONS['no-backslash-escapes']], ids=['default', 'no-backslash-escapes']
)
def test_an_admin_named_with_quotes_backslashes_or_at_signs_is_read_and_matched_exactly(mariadb, session, admin):
    # setup reads its own grants from information_schema, matching the admin as GRANTEE spells it: 'user'@'host'.
    with mariadb.admin() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE USER %s@'localhost' IDENTIFIED BY %s", (admin, OPERATOR_PASSWORD))
        cursor.execute(
            "GRANT CREATE USER, SELECT, PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO %s@'localhost' "
            'WITH GRANT OPTION',
            (admin,),
        )
    as_admin = Session(session.global_sql_mode, admin=admin)
    with server_running_as(mariadb, as_admin), tempfile.TemporaryDirectory() as confd:
        result = run_setup(mariadb, Path(confd), as_admin, 'agent-password', '--drop-anonymous')

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith(f'logged in as {admin}@localhost')
    log_in_as_the_agent(mariadb, 'agent-password')
