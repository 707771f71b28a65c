"""The MySQL/MariaDB account the Agent's `mysql` check logs in with: set up, written to conf.d, verified."""


class MysqlError(Exception):
    """A problem the user has to fix; the message says what it is and what to do."""
