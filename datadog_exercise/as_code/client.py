"""The one place that sends requests to the Datadog API, through `datadog-api-client`.

Every body was checked by `wire.wire_body` when it was built (catalog.py), and so is every update body.
What the API returns is read back into its wire form (`model_utils.data_to_dict`), the JSON the API sent,
for `compare` and `ownership`. Every failure becomes a `DatadogError` whose message is one line saying
what to fix; the keys never appear in it.
"""

import itertools
import json
from dataclasses import dataclass
from functools import partial

import urllib3
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException
from datadog_api_client.model_utils import data_to_dict
from datadog_api_client.v1.api.dashboards_api import DashboardsApi
from datadog_api_client.v1.api.monitors_api import MonitorsApi
from datadog_api_client.v1.model.monitor_update_request import MonitorUpdateRequest
from datadog_api_client.v2.api.downtimes_api import DowntimesApi
from datadog_api_client.v2.model.downtime_status import DowntimeStatus
from datadog_api_client.v2.model.downtime_update_request import DowntimeUpdateRequest

from .catalog import NOUNS
from .connection import without_userinfo
from .errors import AsCodeError
from .ownership import MANAGED_BY, key_of
from .wire import wire_body

REQUEST_TIMEOUT = 30  # seconds
LIVE_DOWNTIMES = (DowntimeStatus.ACTIVE.value, DowntimeStatus.SCHEDULED.value)  # cancelled and ended ones stay listed
# Objects of one kind read before giving up: the project bounds the paging, not the server's answers.
LISTING_LIMIT = 20_000
LISTINGS = {  # the path of each kind's list call, for the message when it is not there
    'dashboards': '/api/v1/dashboard',
    'monitors': '/api/v1/monitor',
    'downtimes': '/api/v2/downtime',
}


class DatadogError(AsCodeError):
    """A request failed or was refused; the message is one line that says what to fix."""


@dataclass(frozen=True)
class Owned:
    """An object of the organisation that carries one of our identities, as the API returned it."""

    kind: str
    key: str
    id: object
    body: dict  # wire names; a dashboard's is its summary until `Datadog.full` reads it whole

    @property
    def label(self):
        if self.kind == 'dashboards':
            return self.body.get('title')
        if self.kind == 'monitors':
            return self.body.get('name')
        return self.key


class Datadog:
    def __init__(self, connection):
        self.connection = connection
        configuration = Configuration(
            host=connection.api_url,
            api_key={'apiKeyAuth': connection.api_key, 'appKeyAuth': connection.app_key},
            request_timeout=REQUEST_TIMEOUT,
        )
        self._client = ApiClient(configuration)
        self._dashboards = DashboardsApi(self._client)
        self._monitors = MonitorsApi(self._client)
        self._downtimes = DowntimesApi(self._client)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._client.close()

    def owned(self, kind):
        """The live objects of `kind` that carry one of our identities (ownership.py)."""
        if kind == 'dashboards':
            pages = self._dashboards.list_dashboards_with_pagination
        elif kind == 'monitors':
            # The tag narrows the listing; the identity is checked here all the same.
            pages = partial(self._monitors.list_monitors_with_pagination, monitor_tags=MANAGED_BY)
        else:
            pages = self._downtimes.list_downtimes_with_pagination
        listed = self._call(
            f'list the {kind}', lambda: list(itertools.islice(pages(), LISTING_LIMIT + 1)), listing=LISTINGS[kind]
        )
        if len(listed) > LISTING_LIMIT:
            raise DatadogError(
                f'the organisation lists more than {LISTING_LIMIT} {kind}: more than this tool reads to find its own.'
            )
        found = []
        for item in listed:
            body = data_to_dict(item)
            if kind == 'downtimes' and body.get('attributes', {}).get('status') not in LIVE_DOWNTIMES:
                continue
            key = key_of(kind, body)
            if key is not None:
                found.append(Owned(kind, key, body.get('id'), body))
        return found

    def full(self, owned):
        """`owned` with its whole body: the dashboard listing gives summaries without widgets."""
        if owned.kind != 'dashboards':
            return owned
        what = f"read the dashboard '{owned.label}' ({owned.id})"
        dashboard = self._call(what, lambda: self._dashboards.get_dashboard(owned.id))
        return Owned(owned.kind, owned.key, owned.id, data_to_dict(dashboard))

    def create(self, managed):
        """Create the object; return its address in the web app."""
        doing = f'create the {managed.what}'
        if managed.kind == 'dashboards':
            dashboard = self._call(doing, lambda: self._dashboards.create_dashboard(managed.body))
            return self.address('dashboards', data_to_dict(dashboard))
        if managed.kind == 'monitors':
            monitor = self._call(doing, lambda: self._monitors.create_monitor(managed.body))
            return self.address('monitors', {'id': monitor.id})
        downtime = self._call(doing, lambda: self._downtimes.create_downtime(managed.body))
        return self.address('downtimes', {'id': downtime.data.id})

    def update(self, managed, owned, fields):
        """Send the `fields` of `managed.body` that differ from `owned`; return its address in the web app.

        A dashboard is replaced whole (PUT takes the whole dashboard); a monitor (PUT) and a downtime
        (PATCH) get only the fields that changed.
        """
        body = managed.wire
        doing = f'update the {managed.what} ({owned.id})'
        if managed.kind == 'dashboards':
            dashboard = self._call(doing, lambda: self._dashboards.update_dashboard(owned.id, managed.body))
            return self.address('dashboards', data_to_dict(dashboard))
        if managed.kind == 'monitors':
            update = self._as(MonitorUpdateRequest, {name: body[name] for name in fields}, managed.what)
            self._call(doing, lambda: self._monitors.update_monitor(owned.id, update))
            return self.address('monitors', owned.body)
        attributes = {name: body['data']['attributes'][name] for name in fields}
        data = {'type': body['data']['type'], 'id': owned.id, 'attributes': attributes}
        update = self._as(DowntimeUpdateRequest, {'data': data}, managed.what)
        self._call(doing, lambda: self._downtimes.update_downtime(owned.id, update))
        return self.address('downtimes', owned.body)

    def delete(self, owned):
        doing = f"delete the {NOUNS[owned.kind]} '{owned.label}' ({owned.id})"
        if owned.kind == 'dashboards':
            self._call(doing, lambda: self._dashboards.delete_dashboard(owned.id))
        elif owned.kind == 'monitors':
            self._call(doing, lambda: self._monitors.delete_monitor(owned.id))
        else:
            # The v2 API cancels a downtime: it stays listed, with the status `canceled`.
            self._call(doing, lambda: self._downtimes.cancel_downtime(owned.id))

    def address(self, kind, body):
        """The object's address in the site's web app."""
        app = self.connection.app_url
        if kind == 'dashboards':
            # The API answers the dashboard's path in the app, e.g. /dashboard/abc-def-ghi/its-title.
            return app + (body.get('url') or f'/dashboard/{body["id"]}')
        if kind == 'monitors':
            return f'{app}/monitors/{body["id"]}'
        return f'{app}/monitors/downtimes?id={body["id"]}'

    def _as(self, model_class, body, what):
        """`body` read into `model_class` by the client's own deserializer, checked like any body."""
        model = self._client.deserialize(json.dumps(body), (model_class,), True)
        wire_body(model, what)
        return model

    def _call(self, doing, request, listing=None):
        try:
            return request()
        except ApiException as error:
            raise DatadogError(explain(error, doing, self.connection, listing)) from None
        except urllib3.exceptions.HTTPError as error:
            reason = getattr(error, 'reason', None) or error
            raise DatadogError(
                f'cannot reach {without_userinfo(self.connection.api_url)} to {doing}: {reason}. '
                'Check DD_SITE (or DD_API_URL) and the network.'
            ) from None


def api_errors(error):
    """The API's own error text, on one line."""
    body = error.body
    if isinstance(body, dict) and 'errors' in body:
        text = '; '.join(str(item) for item in body['errors'])
    else:
        text = str(body or '').strip()
    return ' '.join(text.split()) or 'no error text'


def explain(error, doing, connection, listing=None):
    status = f'{error.status} {error.reason}'
    text = api_errors(error)
    if error.status == 400:
        return (
            f'Datadog rejected the request to {doing} ({status}): {text}. '
            'Fix what it names (an option such as --notify or --host, or the definition), then run again.'
        )
    if error.status in (401, 403):
        return (
            f'Datadog refused the keys for the request to {doing} ({status}: {text}): check that DD_API_KEY '
            f'and DD_APP_KEY belong to the organisation on {connection.site} and that the application key '
            'may write dashboards, monitors and downtimes.'
        )
    if error.status == 404 and listing:
        # A list call has no object to lose: the server asked is not the Datadog API.
        url = without_userinfo(connection.api_url) + listing
        return (
            f'{url} answered {status} to the request to {doing}: there is no Datadog API there. '
            f'Check DD_SITE ({connection.site}) and DD_API_URL.'
        )
    if error.status == 404:
        return f'Datadog could not {doing} ({status}: {text}): it was removed meanwhile; run again.'
    return f'Datadog failed to {doing} ({status}: {text}); try again later.'
