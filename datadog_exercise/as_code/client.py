"""The one place that sends requests to the Datadog API, through `datadog-api-client`.

Every body is checked by `wire.wire_body` first. Every failure becomes a `DatadogError` whose
message is one line saying what to fix; the keys never appear in it.
"""

import json

import urllib3
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException
from datadog_api_client.v1.api.dashboards_api import DashboardsApi
from datadog_api_client.v1.api.monitors_api import MonitorsApi
from datadog_api_client.v1.model.monitor_update_request import MonitorUpdateRequest
from datadog_api_client.v2.api.downtimes_api import DowntimesApi
from datadog_api_client.v2.model.downtime_status import DowntimeStatus
from datadog_api_client.v2.model.downtime_update_request import DowntimeUpdateRequest

from .errors import AsCodeError
from .wire import wire_body

REQUEST_TIMEOUT = 30  # seconds
LIVE_DOWNTIMES = (DowntimeStatus.ACTIVE, DowntimeStatus.SCHEDULED)  # canceled and ended ones stay listed


class DatadogError(AsCodeError):
    """A request failed or was refused; the message is one line that says what to fix."""


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

    def find(self, kind, keys):
        """The ids of the existing objects of `kind` under each key (title, name or downtime identity)."""
        found = {key: [] for key in keys}
        if kind == 'dashboards':
            summaries = self._call(
                'list the dashboards', lambda: list(self._dashboards.list_dashboards_with_pagination())
            )
            for summary in summaries:
                if summary.title in found:
                    found[summary.title].append(summary.id)
        elif kind == 'monitors':
            for name in keys:
                # The name filter also matches longer names: keep the exact ones.
                listed = self._call(
                    f"list the monitors named '{name}'", lambda name=name: self._monitors.list_monitors(name=name)
                )
                found[name] = [monitor.id for monitor in listed if monitor.name == name]
        else:
            listed = self._call('list the downtimes', lambda: list(self._downtimes.list_downtimes_with_pagination()))
            for downtime in listed:
                key = downtime_identity(downtime.attributes)
                if key in found and downtime.attributes.get('status') in LIVE_DOWNTIMES:
                    found[key].append(downtime.id)
        return found

    def create(self, managed):
        """Create the object; return its address in the web app."""
        wire_body(managed.body, managed.what)
        app = self.connection.app_url
        if managed.kind == 'dashboards':
            dashboard = self._call(
                f'create the {managed.what}', lambda: self._dashboards.create_dashboard(managed.body)
            )
            return dashboard_url(app, dashboard)
        if managed.kind == 'monitors':
            monitor = self._call(f'create the {managed.what}', lambda: self._monitors.create_monitor(managed.body))
            return f'{app}/monitors/{monitor.id}'
        downtime = self._call(f'create the {managed.what}', lambda: self._downtimes.create_downtime(managed.body))
        return f'{app}/monitors/downtimes?id={downtime.data.id}'

    def update(self, managed, object_id):
        """Replace the object with `managed.body`; return its address in the web app."""
        body = wire_body(managed.body, managed.what)
        app = self.connection.app_url
        what = f'update the {managed.what} ({object_id})'
        if managed.kind == 'dashboards':
            dashboard = self._call(what, lambda: self._dashboards.update_dashboard(object_id, managed.body))
            return dashboard_url(app, dashboard)
        if managed.kind == 'monitors':
            # The same fields as the create body, as the update model the endpoint takes.
            update = self._as(MonitorUpdateRequest, body, managed.what)
            self._call(what, lambda: self._monitors.update_monitor(object_id, update))
            return f'{app}/monitors/{object_id}'
        update = self._as(DowntimeUpdateRequest, {'data': {**body['data'], 'id': object_id}}, managed.what)
        self._call(what, lambda: self._downtimes.update_downtime(object_id, update))
        return f'{app}/monitors/downtimes?id={object_id}'

    def delete(self, managed, object_id):
        what = f'delete the {managed.what} ({object_id})'
        if managed.kind == 'dashboards':
            self._call(what, lambda: self._dashboards.delete_dashboard(object_id))
        elif managed.kind == 'monitors':
            self._call(what, lambda: self._monitors.delete_monitor(object_id))
        else:
            # The v2 API cancels a downtime: it stays listed, with the status `canceled`.
            self._call(what, lambda: self._downtimes.cancel_downtime(object_id))

    def _as(self, model_class, body, what):
        """`body` read into `model_class` by the client's own deserializer, checked like any body."""
        model = self._client.deserialize(json.dumps(body), (model_class,), True)
        wire_body(model, what)
        return model

    def _call(self, doing, request):
        try:
            return request()
        except ApiException as error:
            raise DatadogError(explain(error, doing, self.connection)) from None
        except urllib3.exceptions.HTTPError as error:
            reason = getattr(error, 'reason', None) or error
            raise DatadogError(
                f'cannot reach {self.connection.api_url} to {doing}: {reason}. '
                'Check DD_SITE (or DD_API_URL) and the network.'
            ) from None


def downtime_identity(attributes):
    """The key of a listed downtime: the monitor tags it applies to, and its scope."""
    tags = attributes.monitor_identifier.get('monitor_tags') if 'monitor_identifier' in attributes else None
    return (tuple(tags or ()), attributes.get('scope'))


def api_errors(error):
    """The API's own error text, on one line."""
    body = error.body
    if isinstance(body, dict) and 'errors' in body:
        text = '; '.join(str(item) for item in body['errors'])
    else:
        text = str(body or '').strip()
    return ' '.join(text.split()) or 'no error text'


def explain(error, doing, connection):
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
    if error.status == 404:
        return f'Datadog could not {doing} ({status}: {text}): it was removed meanwhile; run again.'
    return f'Datadog failed to {doing} ({status}: {text}); try again later.'


def dashboard_url(app, dashboard):
    # The API answers the dashboard's path in the app, e.g. /dashboard/abc-def-ghi/its-title.
    return app + (dashboard.get('url') or f'/dashboard/{dashboard.id}')
