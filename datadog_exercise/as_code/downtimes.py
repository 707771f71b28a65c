"""The quiet hours of the my_metric monitor: 19:00-09:00 on weekdays, and the whole weekend.

One recurring downtime (API v2) with two recurrences, in the `--timezone` given:

- the nights that end on a weekday morning: Sunday to Thursday, 19:00 + 14 h (to 09:00);
- the weekend: Friday 19:00 + 49 h, to Sunday 20:00, an hour into Sunday night.

Datadog does not say whether a duration that spans a clock change counts elapsed or wall-clock hours.
Europe, North America, Chile and Australia change clocks between Saturday night and early Sunday, so
only the weekend recurrence spans a change; its extra hour on Sunday evening keeps its end inside
Sunday night either way, and the union is the same minute for minute. (A zone that changes on a
weekday night, as Israel does early on a Friday in spring, may see that one night end an hour off.)

The downtime applies to the monitor carrying the my_metric monitor's tags rather than to its id, so
the body is known before the monitor exists. It is found again by those monitor tags and its scope.
Its message @-mentions the `--notify` handle, so each recurrence's start notifies it.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from datadog_api_client.v2.model.downtime_create_request import DowntimeCreateRequest
from datadog_api_client.v2.model.downtime_create_request_attributes import DowntimeCreateRequestAttributes
from datadog_api_client.v2.model.downtime_create_request_data import DowntimeCreateRequestData
from datadog_api_client.v2.model.downtime_monitor_identifier_tags import DowntimeMonitorIdentifierTags
from datadog_api_client.v2.model.downtime_notify_end_state_actions import DowntimeNotifyEndStateActions
from datadog_api_client.v2.model.downtime_notify_end_state_types import DowntimeNotifyEndStateTypes
from datadog_api_client.v2.model.downtime_resource_type import DowntimeResourceType
from datadog_api_client.v2.model.downtime_schedule_recurrence_create_update_request import (
    DowntimeScheduleRecurrenceCreateUpdateRequest,
)
from datadog_api_client.v2.model.downtime_schedule_recurrences_create_request import (
    DowntimeScheduleRecurrencesCreateRequest,
)
from dateutil.rrule import rrulestr

from .monitors import MY_METRIC_TAGS

QUIET_HOURS = 'my_metric quiet hours'
SCOPE = '*'
# How a downtime managed here is recognised among the organisation's downtimes.
IDENTITY = (MY_METRIC_TAGS, SCOPE)

# The API refuses a recurrence that starts in the past: leave room for the request to arrive.
START_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class Recurrence:
    weekdays: tuple[str, ...]  # RRULE BYDAY codes
    starts_at: time  # wall-clock time in the downtime's time zone
    lasts: timedelta

    @property
    def rrule(self):
        return f'FREQ=WEEKLY;BYDAY={",".join(self.weekdays)}'

    @property
    def duration(self):
        return f'{int(self.lasts.total_seconds()) // 3600}h'

    def first_start(self, after):
        """The first start after the naive local time `after`: the API takes starts without an offset."""
        anchor = datetime.combine(after.date(), self.starts_at)
        return rrulestr(self.rrule, dtstart=anchor).after(after)


WEEKDAY_NIGHTS = Recurrence(('SU', 'MO', 'TU', 'WE', 'TH'), time(19), timedelta(hours=14))
WEEKEND = Recurrence(('FR',), time(19), timedelta(hours=49))
RECURRENCES = (WEEKDAY_NIGHTS, WEEKEND)

MESSAGE = (
    'Quiet hours: the my_metric monitor is silenced from 19:00 to 09:00 on weekdays and all weekend ({timezone}). '
    'Monitors still alerting when a quiet period ends notify then. {notify}'
)


def quiet_hours(notify, timezone, now):
    """The downtime as a create request; `now` (aware) fixes the first start of each recurrence."""
    local_now = now.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    recurrences = [
        DowntimeScheduleRecurrenceCreateUpdateRequest(
            rrule=recurrence.rrule,
            start=recurrence.first_start(local_now + START_MARGIN).isoformat(timespec='seconds'),
            duration=recurrence.duration,
        )
        for recurrence in RECURRENCES
    ]
    attributes = DowntimeCreateRequestAttributes(
        monitor_identifier=DowntimeMonitorIdentifierTags(monitor_tags=list(MY_METRIC_TAGS)),
        scope=SCOPE,
        schedule=DowntimeScheduleRecurrencesCreateRequest(timezone=timezone, recurrences=recurrences),
        display_timezone=timezone,
        message=MESSAGE.format(timezone=timezone, notify=notify),
        # When quiet hours end (or the downtime is removed), monitors still in one of these states notify.
        notify_end_states=[
            DowntimeNotifyEndStateTypes.ALERT,
            DowntimeNotifyEndStateTypes.WARN,
            DowntimeNotifyEndStateTypes.NO_DATA,
        ],
        notify_end_types=[DowntimeNotifyEndStateActions.EXPIRED, DowntimeNotifyEndStateActions.CANCELED],
    )
    return DowntimeCreateRequest(
        data=DowntimeCreateRequestData(type=DowntimeResourceType.DOWNTIME, attributes=attributes)
    )
