"""The one error type the commands report: its message is one line that says what to fix."""


class AsCodeError(Exception):
    pass
