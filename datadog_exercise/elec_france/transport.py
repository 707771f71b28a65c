"""One deadline and one byte cap for everything a fetch receives, down to the socket, without a thread.

requests and urllib3 bound each socket operation, not a fetch: a read waits at most `timeout`, so a
server that drips its headers one byte a second is never cut off, and nothing counts the bytes of a
status line or of headers. A custom check may not start a thread (the Agent's embedded interpreter), so
no watchdog cuts a fetch off: instead every socket operation of every connection a `BudgetedSession`
opens, or reuses, during a `Budget` waits at most the time left until the deadline, set just before it:

- connecting: each attempt waits at most the time left when it starts, none starts past the deadline,
  and at most MOST_ADDRESSES of a name's addresses are tried (urllib3 and PySocks give each address of a
  name the whole timeout: a name with ten silent addresses would cost ten timeouts);
- a TLS handshake (with the server, or with an https proxy) waits at most the time left, however slowly
  it is dripped: CPython holds a whole handshake to one deadline taken from the socket's timeout;
- every read after it goes through a `_MeteredSocket`: the proxy's answer to CONNECT, a TLS handshake
  tunnelled through an https proxy, the status line, the headers and the body. A read waits at most
  the time left, and its bytes count against the cap; the read that crosses either raises BudgetExceeded;
- every send waits at most the time left: CPython holds a whole sendall() to one deadline too;
- a SOCKS proxy's handshake is read through the same budget (socks_proxy.py).

Outside the budget: resolving host names (the system resolver's own timeouts). The
bytes of a TLS handshake made by OpenSSL itself are not counted: OpenSSL bounds them (a certificate chain
of 100 KiB at most, by default).

The session is handed to the Agent's RequestsWrapper, which keeps choosing the transport adapter (TLS
context, proxies, auth) as for any check; the session only gives the connection pool that adapter
picks a subclass of its own connection class (`_BudgetedConnection`), and never follows a redirect.
"""

import contextvars
import functools
import io
import socket
import sys
import time
from http.cookiejar import DefaultCookiePolicy

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, LocationValueError
from urllib3.util.connection import allowed_gai_family
from urllib3.util.ssltransport import SSLTransport

_CURRENT = contextvars.ContextVar('elec_france_budget', default=None)
_SHORTEST_WAIT = 0.001  # seconds: a timeout of 0 would make the socket non-blocking, not quick
# A name's addresses one connection tries, at most (its first ones, in the resolver's order).
MOST_ADDRESSES = 4
_getaddrinfo = socket.getaddrinfo  # the system resolver (the tests stand in for a name with many addresses)


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
        self._token = None

    def __enter__(self):
        self._token = _CURRENT.set(self)
        return self

    def __exit__(self, *exc):
        _CURRENT.reset(self._token)

    @property
    def expired(self):
        return time.monotonic() >= self.deadline

    def remaining(self):
        return max(self.deadline - time.monotonic(), 0.0)

    def check_time(self):
        if self.expired:
            raise BudgetExceeded(f'past the {self.timeout:g} s deadline')

    def count(self, size):
        self.received += size
        if self.received > self.max_bytes:
            raise BudgetExceeded(f'more than {self.max_bytes} bytes received')
        self.check_time()


def hold_to_deadline(sock, budget):
    """Set `sock`'s timeout to the time left: the next blocking operation on it ends by the deadline."""
    budget.check_time()
    sock.settimeout(max(budget.remaining(), _SHORTEST_WAIT))


def held(sock, operation, *args):
    """`operation(*args)`, a blocking operation on `sock`, waiting at most until the current deadline."""
    budget = _CURRENT.get()
    if budget is None:
        return operation(*args)
    hold_to_deadline(sock, budget)
    try:
        return operation(*args)
    except TimeoutError:
        budget.check_time()  # the wait ended with the budget: say so
        raise


def counted(size):
    """`size` bytes just received, counted against the current budget; returns `size`."""
    budget = _CURRENT.get()
    if budget is not None and size:
        budget.count(size)
    return size


class BudgetedSession(requests.Session):
    """A requests session whose connections are held to the current Budget, and which follows no redirect:
    for RequestsWrapper(..., session=...) in a check, or on its own elsewhere."""

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


def addresses(host, port, family=socket.AF_UNSPEC):
    """getaddrinfo's answers for a TCP connection to `host`, each address once, the first MOST_ADDRESSES."""
    found = {}
    for answer in _getaddrinfo(host.strip('[]'), port, family, socket.SOCK_STREAM):
        found.setdefault(answer[4], answer)
        if len(found) == MOST_ADDRESSES:
            break
    return list(found.values())


def attempts(found, timeout):
    """(answer, timeout) for each connection attempt to the addresses `found`, in order, the timeout taken as the
    attempt starts: within a fetch, the time left, and no attempt but the first past the deadline; outside one,
    `timeout`. (urllib3 and PySocks give every address the whole timeout.)"""
    for number, answer in enumerate(found):
        budget = _CURRENT.get()
        if budget is None:
            yield answer, timeout
        elif number and budget.expired:
            return
        else:
            yield answer, max(budget.remaining(), _SHORTEST_WAIT)


class _BudgetedConnection:
    """Mixed in front of a urllib3 connection class (plain, TLS or SOCKS): each of its socket operations is
    held to the Budget of the fetch in progress, also when a kept-alive connection is reused by a later fetch.
    """

    _resolves_its_proxy = False  # BudgetedSocks: it connects to its proxy's addresses itself (attempts)

    def _new_conn(self):
        budget = _CURRENT.get()
        if budget is None:
            return super()._new_conn()
        budget.check_time()
        self.timeout = budget.remaining()
        sock = super()._new_conn() if self._resolves_its_proxy else self._connect_to_an_address()
        # What comes next on the bare socket is a TLS handshake (with the server or an https proxy), or a
        # CONNECT (metered: _tunnel). CPython gives a whole handshake one deadline, the socket's timeout from
        # its start (Modules/_ssl.c, _ssl__SSLSocket_do_handshake_impl: `deadline = _PyDeadline_Init(timeout)`
        # before its loop, each wait for the socket given `_PyDeadline_Get(deadline)`): a handshake dripped
        # a byte at a time still ends by the deadline.
        hold_to_deadline(sock, budget)
        return sock

    def _connect_to_an_address(self):
        """urllib3's own connection, made to one address of the name at a time (`attempts`)."""
        name = self._dns_host
        try:
            found = addresses(name, self.port, allowed_gai_family())
        except (OSError, UnicodeError):
            found = []
        if not found:
            return super()._new_conn()  # urllib3 resolves the name again, and names its failure as it does
        failure = None
        try:
            for answer, timeout in attempts(found, self.timeout):
                self._dns_host, self.timeout = answer[4][0], timeout
                try:
                    return super()._new_conn()
                except ConnectTimeoutError as error:  # NewConnectionError is one: refused, unreachable, timed out
                    failure = error
        finally:
            self._dns_host = name
        raise failure

    def _tunnel(self):
        """http.client sends CONNECT and reads the proxy's answer through `self.sock`: metered, like an answer."""
        if not isinstance(self.sock, _MeteredSocket):
            self.sock = _MeteredSocket(self.sock)
        super()._tunnel()
        budget = _CURRENT.get()
        if budget is not None:
            hold_to_deadline(self.sock, budget)  # the TLS handshake through the tunnel, next

    def _connect_tls_proxy(self, hostname, sock):
        """The TLS connection to an https proxy, metered: urllib3 tunnels a TLS connection to the server through
        it in Python (SSLTransport), whose handshake reads and sends through this socket."""
        return _MeteredSocket(super()._connect_tls_proxy(hostname, sock))

    def connect(self):
        super().connect()
        if not isinstance(self.sock, (_MeteredSocket, SSLTransport)):  # an SSLTransport reads a _MeteredSocket
            self.sock = _MeteredSocket(self.sock)


@functools.cache
def _budgeted(connection_class):
    bases = (_BudgetedConnection, connection_class)
    socks = sys.modules.get('urllib3.contrib.socks')  # requests imports it for a SOCKS proxy only (PySocks)
    if socks is not None and issubclass(connection_class, socks.SOCKSConnection):
        from .socks_proxy import BudgetedSocks

        bases = (_BudgetedConnection, BudgetedSocks, connection_class)
    return type(f'Budgeted{connection_class.__name__}', bases, {})


class _MeteredSocket:
    """A connected socket (plain, TLS, or the TLS connection to an https proxy) held to the Budget of the fetch
    in progress, whichever fetch opened it: every read waits at most until its deadline and counts against its
    cap, every send waits at most until its deadline."""

    def __init__(self, sock):
        self._sock = sock

    def makefile(self, mode='r', *args, **kwargs):
        if mode != 'rb':
            return self._sock.makefile(mode, *args, **kwargs)
        return io.BufferedReader(MeteredReader(self._sock))

    def recv(self, size, flags=0):
        return _received(held(self._sock, self._sock.recv, size, flags))

    def sendall(self, data, flags=0):
        # CPython gives a whole sendall() one deadline, the socket's timeout from its start: a plain socket in
        # Modules/socketmodule.c, sock_sendall (`deadline = _PyDeadline_Init(timeout)` once, then
        # `timeout = _PyDeadline_Get(deadline)` before each send); a TLS socket's sendall() is one SSL_write
        # (CPython sets no SSL_MODE_ENABLE_PARTIAL_WRITE), given one deadline in _ssl__SSLSocket_write_impl.
        return held(self._sock, self._sock.sendall, data, flags)

    # socket.makefile's count of open files: SSLTransport keeps it on the socket beneath it, and a socket closed
    # while a file is open (http.client closes the connection of a `Connection: close` answer before reading its
    # body) stays open until that file closes.
    @property
    def _io_refs(self):
        return self._sock._io_refs

    @_io_refs.setter
    def _io_refs(self, count):
        self._sock._io_refs = count

    def __getattr__(self, name):
        return getattr(self._sock, name)


def _received(data):
    counted(len(data))
    return data


class MeteredReader(io.RawIOBase):
    """The binary reader of a socket, each read held to the Budget of the fetch in progress."""

    def __init__(self, sock):
        super().__init__()
        self._sock = sock
        # socket.socket's own reader, whichever makefile() a subclass has (socks_proxy.py)
        self._raw = socket.socket.makefile(sock, 'rb', buffering=0)

    def readable(self):
        return True

    def readinto(self, buffer):
        return counted(held(self._sock, self._raw.readinto, buffer))

    def close(self):
        self._raw.close()
        super().close()
