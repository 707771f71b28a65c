"""Statements that fail never carry the password into the error."""

import pytest

from datadog_exercise.mysql import MysqlError, sql
from datadog_exercise.mysql.connection import execute

SECRET = "it's a \\secret"


@pytest.mark.parametrize('sql_mode', ['', 'NO_BACKSLASH_ESCAPES'])
def test_a_failed_statement_names_it_as_shown_and_masks_the_password_in_the_server_message(mariadb, sql_mode):
    # A syntax error after the password makes the server quote the statement from there, password included.
    statement = sql.Statement(
        "CREATE USER 'x'@'%' IDENTIFIED BY '********' NOT VALID",
        "CREATE USER 'x'@'%%' IDENTIFIED BY %s NOT VALID",
        (SECRET,),
        (SECRET,),
    )

    with mariadb.admin() as connection, connection.cursor() as cursor, pytest.raises(MysqlError) as error:
        cursor.execute('SET SESSION sql_mode = %s', (sql_mode,))
        execute(cursor, statement)

    assert str(error.value) == (
        "CREATE USER 'x'@'%' IDENTIFIED BY '********' NOT VALID failed: (1064) You have an error in your SQL "
        'syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use '
        "near 'NOT VALID' at line 1"
    )
