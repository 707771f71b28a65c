"""gunicorn, run from inside the `serve` command rather than as its own program.

Running gunicorn in the process that `ddtrace-run` started keeps the tracer that it installed: the
master imports ddtrace before anything else, and each worker forks from it (ddtrace restarts its trace
writer after a fork) and then imports Flask, which ddtrace's import hooks patch.
"""

import errno
import socket
from dataclasses import dataclass

from gunicorn.app.base import BaseApplication


class ServeError(Exception):
    """The app cannot listen where it was asked to."""


@dataclass(frozen=True)
class ServerOptions:
    host: str
    port: int
    workers: int
    threads: int
    access_log: bool


class ExerciseServer(BaseApplication):
    def __init__(self, options, listener_fd):
        self.options = options
        self.listener_fd = listener_fd
        super().__init__()

    def load_config(self):
        self.cfg.set('bind', f'fd://{self.listener_fd}')
        self.cfg.set('workers', self.options.workers)
        # gthread serves slow clients without blocking a whole worker; ddtrace keeps a span per thread.
        self.cfg.set('worker_class', 'gthread')
        self.cfg.set('threads', self.options.threads)
        self.cfg.set('accesslog', '-' if self.options.access_log else None)
        self.cfg.set('proc_name', 'datadog-exercise-apm')

    def load(self):
        # Imported in each worker, after the fork, so that Flask is patched there.
        from .app import create_app

        return create_app()


def listen(host, port):
    """The listening socket's file descriptor, for gunicorn to own and close.

    Bound here so that a busy port is one clear error rather than gunicorn's five retries.
    """
    listener = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise ServeError(
                f'port {port} on {host} is in use: stop what listens there, or choose another --port'
            ) from None
        raise ServeError(
            f'cannot listen on {host}:{port} ({error.strerror}): give an address of this host as --host'
        ) from None
    listener.listen(2048)
    return listener.detach()


def serve(options):
    ExerciseServer(options, listen(options.host, options.port)).run()
