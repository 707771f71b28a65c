"""Statements that fail never carry the password into the error."""

import pytest

from datadog_exercise.mysql import MysqlError, sql
from datadog_exercise.mysql.connection import execute


def test_a_failed_statement_names_it_as_shown_and_masks_the_password_in_the_server_message(mariadb):
    # A syntax error makes the server quote the statement from the error on, password included.
    statement = sql.Statement.identified_by("CREATE USER 'x'@'%' NOT VALID", "it's a secret")

    with mariadb.admin() as connection, connection.cursor() as cursor, pytest.raises(MysqlError) as error:
        execute(cursor, statement)

    assert str(error.value) == (
        "CREATE USER 'x'@'%' NOT VALID IDENTIFIED BY '********' failed: (1064) You have an error in your SQL "
        'syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use '
        "near 'NOT VALID IDENTIFIED BY '********'' at line 1"
    )
