"""A real HTTP server on loopback that stands in for RTE and ODRE: recorded answers, and faults."""

import contextlib
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ECO2MIX_PATH = '/curves/eco2mixWeb'
MARKET_PATH = '/curves/getDonneesMarche'
ODRE_PATH = '/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records'
ODRE_REGIONAL_PATH = '/api/explore/v2.1/catalog/datasets/eco2mix-regional-tr/records'
# Every feed the check asks, by the name `serve` and `count` take: (path, `type` parameter).
ROUTES = {
    'mix': (ECO2MIX_PATH, 'mix'),
    'co2': (ECO2MIX_PATH, 'co2'),
    'odre': (ODRE_PATH, None),
    'odre_regional': (ODRE_REGIONAL_PATH, None),
    'market': (MARKET_PATH, None),
}


@dataclass
class Answer:
    body: bytes = b''
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line: a server that does not answer in time
    drip: float = 0.0  # seconds between 100-byte pieces of the body: a slow body
    hang_up: bool = False  # close the connection halfway through the body


@dataclass
class Request:
    path: str
    params: dict
    headers: dict
    time: float  # by the server's clock


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up on a slow answer is what the fault tests do on purpose


class Loopback:
    """The URLs of a server listening on 127.0.0.1:`port`."""

    port: int

    @property
    def base(self):
        return f'http://127.0.0.1:{self.port}'

    @property
    def eco2mix_url(self):
        return self.base + ECO2MIX_PATH

    @property
    def odre_url(self):
        return self.base + ODRE_PATH

    @property
    def urls(self):
        """Every feed's URL, as instance options."""
        return {
            'eco2mix_url': self.eco2mix_url,
            'odre_url': self.odre_url,
            'odre_regional_url': self.base + ODRE_REGIONAL_PATH,
            'market_url': self.base + MARKET_PATH,
        }


class FeedServer(Loopback):
    """Routes answers by path and `type` parameter: `answers[(path, type)]`, type None but for éCO2mix's mix
    and co2.

    An answer may be an `Answer`, or a callable taking the Request and returning one.
    """

    def __init__(self, clock=time.time):
        self.answers = {}
        self.requests = []
        self.clock = clock
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_GET(self):
                url = urlsplit(self.path)
                params = {key: values[-1] for key, values in parse_qs(url.query).items()}
                request = Request(url.path, params, dict(self.headers), server.clock())
                server.requests.append(request)
                answer = server.answers.get((url.path, params.get('type')), Answer(b'not found', 404))
                if callable(answer):
                    answer = answer(request)
                time.sleep(answer.delay)
                self.send_response(answer.status)
                for name, value in {'Content-Length': str(len(answer.body)), **answer.headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                if answer.hang_up:
                    self.wfile.write(answer.body[: len(answer.body) // 2])
                    self.close_connection = True
                    return
                if not answer.drip:
                    self.wfile.write(answer.body)
                    return
                for start in range(0, len(answer.body), 100):
                    self.wfile.write(answer.body[start : start + 100])
                    self.wfile.flush()
                    time.sleep(answer.drip)

            def log_message(self, *args):
                pass

        self.httpd = QuietServer(('127.0.0.1', 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)

    def serve(self, kind, answer):
        """Answer `kind` (a name of ROUTES) with `answer` from now on."""
        self.answers[ROUTES[kind]] = answer

    def count(self, kind):
        return sum(1 for request in self.requests if kind_of(request) == kind)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def kind_of(request):
    """The ROUTES name of a request, or None."""
    route = (request.path, request.params.get('type') if request.path == ECO2MIX_PATH else None)
    return next((kind for kind, known in ROUTES.items() if known == route), None)


def refused_url():
    """A loopback URL where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    return f'http://127.0.0.1:{port}{ECO2MIX_PATH}'


class ScriptedServer(Loopback):
    """A raw TCP server on loopback for what an HTTP server library will not do: each connection's request
    is read, then `script(connection, path, stop)` writes whatever bytes it likes, as slowly as it likes.

    A script stops when `stop` is set or when the client has gone (a send fails): none outlives the server.
    With `reads_request=False` the script speaks first (a TLS server, for one).
    """

    def __init__(self, script, reads_request=True):
        self.script = script
        self.reads_request = reads_request
        self.stop = threading.Event()
        self.paths = []
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.listener.settimeout(0.05)  # accept() checks `stop` this often
        self.port = self.listener.getsockname()[1]
        self.threads = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(None)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, connection):
        with connection:
            request = b'' if self.reads_request else b'\r\n\r\n'
            while b'\r\n\r\n' not in request and len(request) < 65536:
                try:
                    piece = connection.recv(4096)
                except OSError:
                    return
                if not piece:
                    return
                request += piece
            path = request.split(b' ', 2)[1].decode('latin-1') if request.count(b' ') >= 2 else ''
            self.paths.append(path)
            with contextlib.suppress(OSError):
                self.script(connection, path, self.stop)

    def __enter__(self):
        self.acceptor.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.acceptor.join(timeout=5)
        self.listener.close()
        for thread in self.threads:
            thread.join(timeout=5)


def send_slowly(connection, data, pause, stop, piece=1):
    """`data` in pieces of `piece` bytes, `pause` seconds apart, until sent or stopped."""
    for start in range(0, len(data), piece):
        if stop.wait(pause):
            return
        connection.sendall(data[start : start + piece])


def gzip_bomb(megabytes):
    """A gzip body of `megabytes` MB of zeros, about 1 KB per MB: after a full flush a deflate segment stands
    alone, so one segment, computed once, is sent again and again (the trailer never comes)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    yield compressor.compress(_MEGABYTE_OF_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(_MEGABYTE_OF_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    for _ in range(megabytes - 1):
        yield segment


_MEGABYTE_OF_ZEROS = bytes(1024 * 1024)
# A gzip header announcing a comment (FLG.FCOMMENT) that the stream then never ends.
GZIP_HEADER_WITH_COMMENT = b'\x1f\x8b\x08\x10\x00\x00\x00\x00\x00\x03'
