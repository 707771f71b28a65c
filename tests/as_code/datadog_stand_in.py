"""A stand-in for the Datadog API: a real HTTP server on loopback that records every request.

It keeps dashboards, monitors and downtimes the way the API does, on the API's own paths and methods:

    GET/POST /api/v1/dashboard           GET/PUT/DELETE /api/v1/dashboard/{id}
    GET/POST /api/v1/monitor             GET/PUT/DELETE /api/v1/monitor/{id}
    GET/POST /api/v2/downtime            GET/PATCH/DELETE /api/v2/downtime/{id}

A request without both keys in the DD-API-KEY and DD-APPLICATION-KEY headers is answered 403, as the
API does. `refuse()` makes the next matching request fail with the status and errors given. A
cancelled downtime stays listed with the status `canceled`, as in the v2 API.
"""

import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# Made-up keys, shaped like real ones: the tests' stand-in accepts only these.
API_KEY = '0123456789abcdef0123456789abcdef'
APP_KEY = 'fedcba9876543210fedcba9876543210fedcba98'


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # the request line's target: path and query, as sent
    headers: dict  # lower-cased names
    raw_body: bytes

    @property
    def path(self):
        return urlsplit(self.target).path

    @property
    def query(self):
        return {name: values[-1] for name, values in parse_qs(urlsplit(self.target).query).items()}

    @property
    def body(self):
        return json.loads(self.raw_body) if self.raw_body else None


def now():
    return datetime.now(UTC).isoformat()


def slug(title):
    return re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')


class DatadogStandIn:
    def __init__(self, api_key, app_key):
        self.api_key = api_key
        self.app_key = app_key
        self.requests = []
        self.dashboards = {}
        self.monitors = {}
        self.downtimes = {}
        self._refusals = []
        self._ids = 0
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # Life cycle

    def start(self):
        self._server = ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
        self._server.daemon_threads = True
        self._server.stand_in = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name='datadog-stand-in', daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def url(self):
        host, port = self._server.server_address
        return f'http://{host}:{port}'

    # What tests arrange and inspect

    def refuse(self, method, path, status, errors):
        """Answer the next `method` request on `path` with `status` and `{"errors": errors}`."""
        self._refusals.append((method, path, status, errors))

    def add_dashboard(self, title):
        with self._lock:
            return self._create_dashboard({'title': title, 'layout_type': 'ordered', 'widgets': []})['id']

    def add_monitor(self, name, tags=()):
        body = {
            'name': name,
            'type': 'query alert',
            'query': 'avg(last_5m):avg:system.load.1{*} > 4',
            'tags': list(tags),
        }
        with self._lock:
            return self._create_monitor(body)['id']

    def add_downtime(self, attributes):
        with self._lock:
            return self._create_downtime({'data': {'type': 'downtime', 'attributes': attributes}})['data']['id']

    def sent(self, *methods):
        """`(method, path)` of each request received, in order; only `methods` when given."""
        return [(request.method, request.path) for request in self.requests if not methods or request.method in methods]

    def live_downtimes(self):
        return {key: value for key, value in self.downtimes.items() if value['attributes']['status'] != 'canceled'}

    # The API

    def answer(self, request):
        with self._lock:
            self.requests.append(request)
            for refusal in self._refusals:
                method, path, status, errors = refusal
                if (method, path) == (request.method, request.path):
                    self._refusals.remove(refusal)
                    return status, {'errors': errors}
            if (request.headers.get('dd-api-key'), request.headers.get('dd-application-key')) != (
                self.api_key,
                self.app_key,
            ):
                return 403, {'errors': ['Forbidden']}
            for method, pattern, action in self._routes():
                match = re.fullmatch(pattern, request.path)
                if match and method == request.method:
                    try:
                        body = request.body
                    except ValueError:
                        return 400, {'errors': ['Invalid JSON in the request body']}
                    return action(request, body, *match.groups())
            return 404, {'errors': ['Not found']}

    def _routes(self):
        return [
            ('GET', r'/api/v1/dashboard', self._list_dashboards),
            ('POST', r'/api/v1/dashboard', lambda request, body: (200, self._create_dashboard(body))),
            ('GET', r'/api/v1/dashboard/([\w-]+)', self._get(self.dashboards, 'Dashboard')),
            ('PUT', r'/api/v1/dashboard/([\w-]+)', self._update_dashboard),
            ('DELETE', r'/api/v1/dashboard/([\w-]+)', self._delete_dashboard),
            ('GET', r'/api/v1/monitor', self._list_monitors),
            ('POST', r'/api/v1/monitor', lambda request, body: (200, self._create_monitor(body))),
            ('GET', r'/api/v1/monitor/(\d+)', self._get(self.monitors, 'Monitor', int)),
            ('PUT', r'/api/v1/monitor/(\d+)', self._update_monitor),
            ('DELETE', r'/api/v1/monitor/(\d+)', self._delete_monitor),
            ('GET', r'/api/v2/downtime', self._list_downtimes),
            ('POST', r'/api/v2/downtime', lambda request, body: (200, self._create_downtime(body))),
            ('GET', r'/api/v2/downtime/([\w-]+)', self._get_downtime),
            ('PATCH', r'/api/v2/downtime/([\w-]+)', self._update_downtime),
            ('DELETE', r'/api/v2/downtime/([\w-]+)', self._cancel_downtime),
        ]

    def _next_id(self):
        self._ids += 1
        return self._ids

    def _get(self, store, noun, convert=str):
        def get(request, body, object_id):
            found = store.get(convert(object_id))
            return (200, found) if found else (404, {'errors': [f'{noun} not found']})

        return get

    # Dashboards

    def _create_dashboard(self, body):
        dashboard_id = f'sti-{self._next_id():03d}-aaa'
        return self._store_dashboard(dashboard_id, body, created=now())

    def _store_dashboard(self, dashboard_id, body, created):
        self.dashboards[dashboard_id] = {
            **body,
            'id': dashboard_id,
            'url': f'/dashboard/{dashboard_id}/{slug(body["title"])}',
            'author_handle': 'stand-in@example.com',
            'created_at': created,
            'modified_at': now(),
        }
        return self.dashboards[dashboard_id]

    def _list_dashboards(self, request, body):
        start = int(request.query.get('start', 0))
        count = int(request.query.get('count', 100))
        summaries = [
            {name: dashboard[name] for name in ('id', 'title', 'url', 'layout_type', 'author_handle', 'created_at')}
            for dashboard in self.dashboards.values()
        ]
        return 200, {'dashboards': summaries[start : start + count]}

    def _update_dashboard(self, request, body, dashboard_id):
        if dashboard_id not in self.dashboards:
            return 404, {'errors': ['Dashboard not found']}
        return 200, self._store_dashboard(dashboard_id, body, self.dashboards[dashboard_id]['created_at'])

    def _delete_dashboard(self, request, body, dashboard_id):
        if self.dashboards.pop(dashboard_id, None) is None:
            return 404, {'errors': ['Dashboard not found']}
        return 200, {'deleted_dashboard_id': dashboard_id}

    # Monitors

    def _create_monitor(self, body):
        monitor_id = 1000 + self._next_id()
        self.monitors[monitor_id] = {**body, 'id': monitor_id, 'created': now(), 'overall_state': 'No Data'}
        return self.monitors[monitor_id]

    def _list_monitors(self, request, body):
        name = request.query.get('name', '').lower()
        return 200, [monitor for monitor in self.monitors.values() if name in monitor['name'].lower()]

    def _update_monitor(self, request, body, monitor_id):
        monitor = self.monitors.get(int(monitor_id))
        if monitor is None:
            return 404, {'errors': ['Monitor not found']}
        monitor.update(body, modified=now())
        return 200, monitor

    def _delete_monitor(self, request, body, monitor_id):
        if self.monitors.pop(int(monitor_id), None) is None:
            return 404, {'errors': ['Monitor not found']}
        return 200, {'deleted_monitor_id': int(monitor_id)}

    # Downtimes

    def _create_downtime(self, body):
        downtime_id = str(uuid.UUID(int=self._next_id()))
        attributes = {**body['data']['attributes'], 'status': 'scheduled', 'created': now(), 'modified': now()}
        self.downtimes[downtime_id] = {'id': downtime_id, 'type': 'downtime', 'attributes': attributes}
        return {'data': self.downtimes[downtime_id]}

    def _list_downtimes(self, request, body):
        offset = int(request.query.get('page[offset]', 0))
        limit = int(request.query.get('page[limit]', 30))
        page = list(self.downtimes.values())[offset : offset + limit]
        return 200, {'data': page, 'meta': {'page': {'total_filtered_count': len(self.downtimes)}}}

    def _get_downtime(self, request, body, downtime_id):
        if downtime_id not in self.downtimes:
            return 404, {'errors': ['Downtime not found']}
        return 200, {'data': self.downtimes[downtime_id]}

    def _update_downtime(self, request, body, downtime_id):
        downtime = self.downtimes.get(downtime_id)
        if downtime is None:
            return 404, {'errors': ['Downtime not found']}
        if body['data'].get('id') != downtime_id:
            return 400, {'errors': ['The id in the body does not match the id in the path']}
        downtime['attributes'].update(body['data']['attributes'], modified=now())
        return 200, {'data': downtime}

    def _cancel_downtime(self, request, body, downtime_id):
        downtime = self.downtimes.get(downtime_id)
        if downtime is None:
            return 404, {'errors': ['Downtime not found']}
        downtime['attributes'].update(status='canceled', canceled=now())
        return 204, None


class _Handler(BaseHTTPRequestHandler):
    def _serve(self):
        length = int(self.headers.get('Content-Length') or 0)
        request = Request(
            method=self.command,
            target=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            raw_body=self.rfile.read(length),
        )
        status, answer = self.server.stand_in.answer(request)
        payload = b'' if answer is None else json.dumps(answer).encode()
        self.send_response(status, HTTPStatus(status).phrase)
        if payload:
            self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args):
        pass  # the tests read `requests`, not a log
