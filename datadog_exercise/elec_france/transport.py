"""One deadline and one byte cap for everything a fetch receives, down to the socket.

requests and urllib3 bound each socket operation, not a fetch: a read waits at most `timeout`, so a
server that drips its headers one byte a second is never cut off, and nothing counts the bytes of a
status line or of headers. Every connection a `BudgetedSession` opens, or reuses, during a `Budget`

- is metered: http.client reads the status line, the headers and the body through `_MeteredReader`,
  where no read waits past the deadline and every byte counts against the cap; the read that crosses
  either raises BudgetExceeded;
- is watched: the TLS handshake and a proxy tunnel read the socket before that, so at the deadline a
  watchdog thread shuts the socket down through a duplicate of its descriptor, which ends any read,
  in whichever layer it waits.

Outside the budget: resolving the host name (the system resolver's own timeouts) and each connection
attempt (the time left when the request starts, per address the name resolves to).

The session is handed to the Agent's RequestsWrapper, which keeps choosing the transport adapter (TLS
context, proxies, auth) as for any check; the session only gives the connection pool that adapter
picks a subclass of its own connection class (`_BudgetedConnection`), and never follows a redirect.
"""

import contextlib
import contextvars
import functools
import io
import socket
import threading
import time
from http.cookiejar import DefaultCookiePolicy

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.exceptions import LocationValueError

_CURRENT = contextvars.ContextVar('elec_france_budget', default=None)


class BudgetExceeded(Exception):
    """The fetch went past its deadline or its byte cap. Not an OSError, so that urllib3 and requests,
    which wrap those, let it through as it is."""


class Budget:
    """Used as `with Budget(timeout, max_bytes):` around the requests of one fetch."""

    def __init__(self, timeout, max_bytes):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.deadline = time.monotonic() + timeout
        self.received = 0
        self.expired = False
        self._lock = threading.Lock()
        self._watched = []  # the connections' cut-off descriptors (see _BudgetedConnection)
        self._watchdog = threading.Timer(timeout, self._expire)
        self._watchdog.daemon = True
        self._token = None

    def __enter__(self):
        self._token = _CURRENT.set(self)
        self._watchdog.start()
        return self

    def __exit__(self, *exc):
        _CURRENT.reset(self._token)
        self._watchdog.cancel()
        with self._lock:
            self._watched.clear()

    def remaining(self):
        return max(self.deadline - time.monotonic(), 0.0)

    def check_time(self):
        if self.expired or time.monotonic() >= self.deadline:
            self.expired = True
            raise BudgetExceeded(f'past the {self.timeout:g} s deadline')

    def count(self, size):
        self.received += size
        if self.received > self.max_bytes:
            raise BudgetExceeded(f'more than {self.max_bytes} bytes received')
        self.check_time()

    def watch(self, cutoff):
        """Shut `cutoff` down at the deadline (now, if it has passed)."""
        with self._lock:
            if all(watched is not cutoff for watched in self._watched):
                self._watched.append(cutoff)
            if self.expired:
                _shut_down(cutoff)

    def _expire(self):
        with self._lock:
            self.expired = True
            for cutoff in self._watched:
                _shut_down(cutoff)


def _shut_down(sock):
    with contextlib.suppress(OSError):  # already disconnected
        sock.shutdown(socket.SHUT_RDWR)  # the blocked recv() on the original descriptor returns at once


class BudgetedSession(requests.Session):
    """A requests session for RequestsWrapper(..., session=...): connections held to the current Budget,
    and no redirect followed."""

    def __init__(self):
        super().__init__()
        # Nothing is kept from one fetch to the next, cookies included: a hostile server cannot grow the jar.
        self.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))

    def get_adapter(self, url):
        return _BudgetedTransport(super().get_adapter(url))

    def get_redirect_target(self, response):
        """None: redirects are the caller's (fetch.py). requests reads a redirect's whole body, inflated,
        before it follows it, and even with allow_redirects=False (to prepare `Response.next`)."""
        return None


class _BudgetedTransport(BaseAdapter):
    """The adapter the session chose, sending on a connection pool whose connections are budgeted."""

    def __init__(self, adapter):
        super().__init__()
        self._adapter = adapter

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if isinstance(self._adapter, HTTPAdapter):
            try:
                # The very call the adapter makes next: the same pool, from its pool manager's cache.
                pool = self._adapter.get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
            except (LocationValueError, ValueError, requests.RequestException):
                pass  # the adapter's own send() below raises it as requests does
            else:
                if not issubclass(pool.ConnectionCls, _BudgetedConnection):
                    pool.ConnectionCls = _budgeted(pool.ConnectionCls)
        return self._adapter.send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)

    def close(self):
        pass  # the session closes the adapters it holds


class _BudgetedConnection:
    """Mixed in front of a urllib3 connection class (plain, TLS or SOCKS).

    Each socket it opens gets a duplicate descriptor, `_cutoff`, owned by the connection: shutting it
    down ends the socket for every layer above (TLS, a proxy tunnel, http.client). The Budget of the
    fetch in progress watches it, also when a kept-alive connection is reused by a later fetch.
    """

    _cutoff = None

    def _new_conn(self):
        budget = _CURRENT.get()
        if budget is not None:
            budget.check_time()
        sock = super()._new_conn()
        self._cutoff = sock.dup()
        if budget is not None:
            budget.watch(self._cutoff)  # before the TLS handshake and any proxy tunnel: both read from it
        return sock

    def connect(self):
        super().connect()
        self.sock = _MeteredSocket(self.sock)

    def request(self, *args, **kwargs):
        budget = _CURRENT.get()
        if budget is not None and self._cutoff is not None:
            budget.watch(self._cutoff)  # a connection kept alive since an earlier fetch
        return super().request(*args, **kwargs)

    def close(self):
        super().close()
        if self._cutoff is not None:
            self._cutoff.close()
            self._cutoff = None


@functools.cache
def _budgeted(connection_class):
    return type(f'Budgeted{connection_class.__name__}', (_BudgetedConnection, connection_class), {})


class _MeteredSocket:
    """A connected socket whose binary reader (what http.client reads a response from) is metered."""

    def __init__(self, sock):
        self._sock = sock

    def makefile(self, mode='r', *args, **kwargs):
        if mode != 'rb':
            return self._sock.makefile(mode, *args, **kwargs)
        return io.BufferedReader(_MeteredReader(self._sock))

    def __getattr__(self, name):
        return getattr(self._sock, name)


class _MeteredReader(io.RawIOBase):
    """Reads for the Budget of the fetch in progress, whichever fetch opened the connection: no read
    waits past its deadline, and every byte counts against its cap."""

    def __init__(self, sock):
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile('rb', buffering=0)

    def readable(self):
        return True

    def readinto(self, buffer):
        budget = _CURRENT.get()
        if budget is None:
            return self._raw.readinto(buffer)
        budget.check_time()
        self._sock.settimeout(max(budget.remaining(), 0.001))
        try:
            count = self._raw.readinto(buffer)
        except TimeoutError:
            budget.check_time()  # the wait ended with the budget: say so
            raise
        if count:
            budget.count(count)
        elif budget.expired:
            raise BudgetExceeded('cut off at the deadline')  # the watchdog's shutdown reads as an end of file
        return count

    def close(self):
        self._raw.close()
        super().close()
