"""A stand-in for the Datadog API: a real HTTP server on loopback that records every request.

It keeps dashboards, monitors and downtimes the way the API's OpenAPI documents describe them
(`.generator/schemas/v1|v2/openapi.yaml` in DataDog/datadog-api-client-python), on the API's own paths:

    GET/POST /api/v1/dashboard           GET/PUT/DELETE /api/v1/dashboard/{id}
    GET/POST /api/v1/monitor             GET/PUT/DELETE /api/v1/monitor/{id}
    GET/POST /api/v2/downtime            GET/PATCH/DELETE /api/v2/downtime/{id}

What a GET answers carries the fields the server fills: ids, dates, authors, an `id` per widget, a
monitor's option defaults, a downtime's `status` and `schedule.current_downtime` (worked out from the
stand-in's `clock`), a one-off downtime's `start` when none was given. The list calls page and filter as
the specification says: dashboards by `start`/`count` and `filter[deleted]`, monitors by `name`,
`monitor_tags` and `page`/`page_size` (everything when `page` is absent), downtimes by
`page[offset]`/`page[limit]` (30 by default) and `current_only`.

It refuses what the API refuses: a request without both keys in the DD-API-KEY and DD-APPLICATION-KEY
headers (403); a body without the required fields, a recurrence start with an offset or a one-off time
without one, a duration that is not `<integer>m|h|d|w`, and a downtime scheduled in the past (400: the
message Datadog gives, quoted by DataDog/datadog-sync-cli#626). `refuse()` makes the next matching request
fail with the status and errors given. A cancelled downtime stays listed with the status `canceled`.

Where the specification is silent the stand-in says what it chose: `monitor_tags` keeps the monitors that
carry every tag listed; PUT on a monitor replaces the fields it is given and keeps the others; PATCH on a
downtime replaces the attributes it is given; a recurring occurrence lasts its duration in elapsed time.
"""

import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

# Made-up keys, shaped like real ones: the tests' stand-in accepts only these.
API_KEY = '0123456789abcdef0123456789abcdef'
APP_KEY = 'fedcba9876543210fedcba9876543210fedcba98'

AUTHOR = {'email': 'stand-in@example.com', 'handle': 'stand-in@example.com', 'name': 'Stand In'}
# The monitor options a GET shows when the create body left them out.
MONITOR_OPTION_DEFAULTS = {'notify_audit': False, 'include_tags': True, 'new_host_delay': 300, 'silenced': {}}
DURATION = re.compile(r'(\d+)([mhdw])')
DURATION_UNITS = {'m': 'minutes', 'h': 'hours', 'd': 'days', 'w': 'weeks'}
IN_THE_PAST = 'Downtime cannot be scheduled in the past'


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


class Refused(Exception):
    """A request the API answers 400; the message is its error text."""


def stamp(instant):
    return instant.astimezone(UTC).isoformat()


def slug(title):
    return re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')


# Downtimes: what the server stores and shows. Plain functions, so that tests can ask what the API would
# show at another instant without a server.


def parse_duration(text):
    match = DURATION.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise Refused(f"Invalid duration {text!r}: an integer followed by one of 'm', 'h', 'd', 'w'")
    return timedelta(**{DURATION_UNITS[match[2]]: int(match[1])})


def read_time(text, what):
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise Refused(f'Invalid {what}: {text!r}') from None


def checked_schedule(schedule, now):
    """The schedule as stored, or Refused; `now` is the server's clock (aware UTC)."""
    if schedule is None:
        return {'start': stamp(now), 'end': None}
    if 'recurrences' in schedule:
        timezone = schedule.get('timezone', 'UTC')
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise Refused(f'Invalid timezone {timezone!r}') from None
        recurrences = schedule['recurrences']
        if not isinstance(recurrences, list) or not 1 <= len(recurrences) <= 5:
            raise Refused('A recurring schedule has from 1 to 5 recurrences')
        stored = []
        for recurrence in recurrences:
            if 'rrule' not in recurrence or 'duration' not in recurrence:
                raise Refused('A recurrence needs an rrule and a duration')
            parse_duration(recurrence['duration'])
            local_now = now.astimezone(zone).replace(tzinfo=None, microsecond=0)
            start = read_time(recurrence['start'], 'recurrence start') if recurrence.get('start') else local_now
            if start.tzinfo is not None:
                raise Refused('A recurrence start must not include a UTC offset')
            if start < local_now.replace(second=0):
                raise Refused(IN_THE_PAST)
            stored.append({**recurrence, 'start': start.strftime('%Y-%m-%dT%H:%M')})
        return {'timezone': timezone, 'recurrences': stored}
    instants = {}
    for name in ('start', 'end'):
        text = schedule.get(name)
        if text is None:
            continue
        instant = read_time(text, f'one-time {name}')
        if instant.utcoffset() != timedelta(0):
            raise Refused(f'A one-time {name} must include a UTC offset of zero')
        instants[name] = instant
    start = instants.get('start', now)
    if start < now - timedelta(seconds=1):
        raise Refused(IN_THE_PAST)
    if 'end' in instants and instants['end'] <= max(start, now):
        raise Refused(IN_THE_PAST)
    return {'start': stamp(start), 'end': stamp(instants['end']) if 'end' in instants else None}


def occurrences(schedule, now):
    """([ongoing], [next]) occurrences of a recurring schedule at `now`, each (start, end) in UTC."""
    zone = ZoneInfo(schedule['timezone'])
    local = now.astimezone(zone).replace(tzinfo=None)
    ongoing, upcoming = [], []
    for recurrence in schedule['recurrences']:
        lasts = parse_duration(recurrence['duration'])
        rule = rrulestr(recurrence['rrule'], dtstart=datetime.fromisoformat(recurrence['start']))
        for start in rule.between(local - lasts - timedelta(days=1), local, inc=True):
            begins = start.replace(tzinfo=zone).astimezone(UTC)
            if begins <= now < begins + lasts:
                ongoing.append((begins, begins + lasts))
        following = rule.after(local)
        if following is not None:
            begins = following.replace(tzinfo=zone).astimezone(UTC)
            upcoming.append((begins, begins + lasts))
    return sorted(ongoing), sorted(upcoming)


def shown_downtime(stored, now):
    """The downtime as GET answers it at `now`: with its status and, when recurring, its current occurrence."""
    attributes = dict(stored['attributes'])
    schedule = dict(attributes['schedule'])
    if attributes.get('canceled'):
        status = 'canceled'
    elif 'recurrences' in schedule:
        ongoing, upcoming = occurrences(schedule, now)
        status = 'active' if ongoing else 'scheduled' if upcoming else 'ended'
        if ongoing or upcoming:
            start, end = (ongoing or upcoming)[0]
            schedule['current_downtime'] = {'start': stamp(start), 'end': stamp(end)}
    else:
        start = datetime.fromisoformat(schedule['start'])
        end = datetime.fromisoformat(schedule['end']) if schedule['end'] else None
        status = 'scheduled' if now < start else 'ended' if end is not None and now >= end else 'active'
    attributes.update(schedule=schedule, status=status)
    return {**stored, 'attributes': attributes}


def stored_downtime(body, downtime_id, now):
    """A create request as the server keeps it, or Refused."""
    data = body.get('data') if isinstance(body, dict) else None
    attributes = data.get('attributes') if isinstance(data, dict) else None
    if not isinstance(attributes, dict) or data.get('type') != 'downtime':
        raise Refused('A downtime body is {"data": {"type": "downtime", "attributes": {...}}}')
    if 'scope' not in attributes or 'monitor_identifier' not in attributes:
        raise Refused('A downtime needs a scope and a monitor_identifier')
    identifier = attributes['monitor_identifier']
    if 'monitor_id' not in identifier and not identifier.get('monitor_tags'):
        raise Refused('A monitor_identifier needs a monitor_id or at least one monitor tag')
    stored = {
        'display_timezone': 'UTC',
        'mute_first_recovery_notification': False,
        'notify_end_states': ['alert', 'no data', 'warn'],
        'notify_end_types': ['canceled', 'expired'],
        **attributes,
        'schedule': checked_schedule(attributes.get('schedule'), now),
        'created': stamp(now),
        'modified': stamp(now),
        'canceled': None,
    }
    relationships = {'created_by': {'data': {'id': str(uuid.UUID(int=1)), 'type': 'users'}}, 'monitor': {'data': None}}
    return {'id': downtime_id, 'type': 'downtime', 'attributes': stored, 'relationships': relationships}


class DatadogStandIn:
    def __init__(self, api_key, app_key):
        self.api_key = api_key
        self.app_key = app_key
        self.clock = lambda: datetime.now(UTC)  # the server's time: tests set their own
        self.requests = []
        self.dashboards = {}
        self.deleted_dashboards = {}
        self.monitors = {}
        self.downtimes = {}
        self._refusals = []
        self._ids = 0
        self._widget_ids = 0
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

    def add_dashboard(self, title, description=None):
        body = {'title': title, 'description': description, 'layout_type': 'ordered', 'widgets': []}
        with self._lock:
            return self._create_dashboard(body)['id']

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

    def shown(self, downtime_id):
        """The downtime as GET would answer it now."""
        return shown_downtime(self.downtimes[downtime_id], self.clock())

    def live_downtimes(self):
        return {
            downtime_id: shown
            for downtime_id in self.downtimes
            if (shown := self.shown(downtime_id))['attributes']['status'] in ('active', 'scheduled')
        }

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
                    try:
                        return action(request, body, *match.groups())
                    except Refused as refused:
                        return 400, {'errors': [str(refused)]}
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

    def _next_widget_id(self):
        self._widget_ids += 1
        return self._widget_ids

    def _get(self, store, noun, convert=str):
        def get(request, body, object_id):
            found = store.get(convert(object_id))
            return (200, found) if found else (404, {'errors': [f'{noun} not found']})

        return get

    # Dashboards

    def _create_dashboard(self, body):
        dashboard_id = f'sti-{self._next_id():03d}-aaa'
        return self._store_dashboard(dashboard_id, body, created=stamp(self.clock()))

    def _store_dashboard(self, dashboard_id, body, created):
        missing = [name for name in ('title', 'layout_type', 'widgets') if name not in body]
        if missing:
            raise Refused(f'Missing required fields: {", ".join(missing)}')
        widgets = [{'id': widget.get('id') or self._next_widget_id(), **widget} for widget in body['widgets']]
        self.dashboards[dashboard_id] = {
            'description': None,
            'notify_list': None,
            'template_variables': None,
            'tags': None,
            'is_read_only': False,
            **body,
            'widgets': widgets,
            'id': dashboard_id,
            'url': f'/dashboard/{dashboard_id}/{slug(body["title"])}',
            'author_handle': AUTHOR['handle'],
            'author_name': AUTHOR['name'],
            'created_at': created,
            'modified_at': stamp(self.clock()),
        }
        return self.dashboards[dashboard_id]

    def _list_dashboards(self, request, body):
        start = int(request.query.get('start', 0))
        count = int(request.query.get('count', 100))
        deleted = request.query.get('filter[deleted]') == 'true'
        listed = self.deleted_dashboards if deleted else self.dashboards
        summary = ('id', 'title', 'description', 'layout_type', 'url', 'is_read_only', 'author_handle')
        summary += ('created_at', 'modified_at')
        summaries = [{name: dashboard[name] for name in summary} for dashboard in listed.values()]
        return 200, {'dashboards': summaries[start : start + count]}

    def _update_dashboard(self, request, body, dashboard_id):
        if dashboard_id not in self.dashboards:
            return 404, {'errors': ['Dashboard not found']}
        return 200, self._store_dashboard(dashboard_id, body, self.dashboards[dashboard_id]['created_at'])

    def _delete_dashboard(self, request, body, dashboard_id):
        dashboard = self.dashboards.pop(dashboard_id, None)
        if dashboard is None:
            return 404, {'errors': ['Dashboard not found']}
        self.deleted_dashboards[dashboard_id] = dashboard  # restorable, as the API keeps deleted dashboards
        return 200, {'deleted_dashboard_id': dashboard_id}

    # Monitors

    def _create_monitor(self, body):
        if not isinstance(body, dict) or 'type' not in body or 'query' not in body:
            raise Refused('A monitor needs a type and a query')
        monitor_id = 1000 + self._next_id()
        self.monitors[monitor_id] = {
            'message': '',
            'tags': [],
            'priority': None,
            'restricted_roles': None,
            **body,
            'options': {**MONITOR_OPTION_DEFAULTS, **body.get('options', {})},
            'id': monitor_id,
            'created': stamp(self.clock()),
            'modified': stamp(self.clock()),
            'creator': AUTHOR,
            'overall_state': 'No Data',
            'multi': ' by ' in body['query'],
            'org_id': 1,
            'deleted': None,
        }
        return self.monitors[monitor_id]

    def _list_monitors(self, request, body):
        name = request.query.get('name', '').lower()
        wanted_tags = [tag for tag in request.query.get('monitor_tags', '').split(',') if tag]
        found = [
            monitor
            for monitor in self.monitors.values()
            if name in monitor['name'].lower() and all(tag in monitor['tags'] for tag in wanted_tags)
        ]
        if 'page' not in request.query:
            return 200, found
        size = int(request.query.get('page_size', 100))
        page = int(request.query['page'])
        return 200, found[page * size : (page + 1) * size]

    def _update_monitor(self, request, body, monitor_id):
        monitor = self.monitors.get(int(monitor_id))
        if monitor is None:
            return 404, {'errors': ['Monitor not found']}
        monitor.update(body, modified=stamp(self.clock()))
        if 'options' in body:
            monitor['options'] = {**MONITOR_OPTION_DEFAULTS, **body['options']}
        return 200, monitor

    def _delete_monitor(self, request, body, monitor_id):
        if self.monitors.pop(int(monitor_id), None) is None:
            return 404, {'errors': ['Monitor not found']}
        return 200, {'deleted_monitor_id': int(monitor_id)}

    # Downtimes

    def _create_downtime(self, body):
        downtime_id = str(uuid.UUID(int=self._next_id()))
        self.downtimes[downtime_id] = stored_downtime(body, downtime_id, self.clock())
        return {'data': self.shown(downtime_id)}

    def _list_downtimes(self, request, body):
        offset = int(request.query.get('page[offset]', 0))
        limit = int(request.query.get('page[limit]', 30))
        shown = [self.shown(downtime_id) for downtime_id in self.downtimes]
        if request.query.get('current_only') == 'true':
            shown = [downtime for downtime in shown if downtime['attributes']['status'] == 'active']
        page = shown[offset : offset + limit]
        return 200, {'data': page, 'meta': {'page': {'total_filtered_count': len(shown)}}}

    def _get_downtime(self, request, body, downtime_id):
        if downtime_id not in self.downtimes:
            return 404, {'errors': ['Downtime not found']}
        return 200, {'data': self.shown(downtime_id)}

    def _update_downtime(self, request, body, downtime_id):
        downtime = self.downtimes.get(downtime_id)
        if downtime is None:
            return 404, {'errors': ['Downtime not found']}
        if body['data'].get('id') != downtime_id:
            return 400, {'errors': ['The id in the body does not match the id in the path']}
        changes = dict(body['data']['attributes'])
        if 'schedule' in changes:
            changes['schedule'] = checked_schedule(changes['schedule'], self.clock())
        downtime['attributes'].update(changes, modified=stamp(self.clock()))
        return 200, {'data': self.shown(downtime_id)}

    def _cancel_downtime(self, request, body, downtime_id):
        downtime = self.downtimes.get(downtime_id)
        if downtime is None:
            return 404, {'errors': ['Downtime not found']}
        downtime['attributes'].update(canceled=stamp(self.clock()))
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
