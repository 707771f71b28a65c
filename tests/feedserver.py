"""A real HTTP server on loopback that stands in for RTE and ODRE: recorded answers, and faults."""

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ECO2MIX_PATH = '/curves/eco2mixWeb'
ODRE_PATH = '/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records'


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


class FeedServer:
    """Routes answers by path and `type` parameter: `answers[(path, type)]`, type None for ODRE.

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

    @property
    def base(self):
        return f'http://127.0.0.1:{self.port}'

    @property
    def eco2mix_url(self):
        return self.base + ECO2MIX_PATH

    @property
    def odre_url(self):
        return self.base + ODRE_PATH

    def serve(self, kind, answer):
        """Answer `kind` ('mix', 'co2' or 'odre') with `answer` from now on."""
        key = (ODRE_PATH, None) if kind == 'odre' else (ECO2MIX_PATH, kind)
        self.answers[key] = answer

    def count(self, kind):
        if kind == 'odre':
            return sum(1 for r in self.requests if r.path == ODRE_PATH)
        return sum(1 for r in self.requests if r.path == ECO2MIX_PATH and r.params.get('type') == kind)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def refused_url():
    """A loopback URL where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    return f'http://127.0.0.1:{port}{ECO2MIX_PATH}'
