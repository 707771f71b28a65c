"""The quiet hours of the my_metric monitor: 19:00-09:00 on weekdays, and the whole weekend, local time.

Two kinds of downtime (API v2), in the `--timezone` given:

- `my_metric quiet hours`, recurring, with two recurrences:
  - the nights that end on a weekday morning: Sunday to Thursday, 19:00 + 14 h (to 09:00);
  - the weekend: Friday 19:00 + 49 h, to Sunday 20:00, an hour into Sunday night.
- the quiet period in progress, one-off: when `apply` runs during quiet hours (or a minute before they
  start), it silences the period under way, to its exact end (09:00 on the next weekday, local time,
  converted to UTC with the zone's rules), unless downtimes it made already silence all of it.

Why two: a recurrence's `start` is a local time without an offset, and the API refuses starts in the past
("Downtime cannot be scheduled in the past"; Datadog's own datadog-sync-cli moves a past recurrence start
forward to its next occurrence: DataDog/datadog-sync-cli#626 and #664). So each recurrence starts at its
next occurrence after `apply`, and the period already under way gets a one-off downtime, whose `end` is an
instant with a UTC offset of zero and whose omitted `start` means "from the moment it is created" (v2
OpenAPI, DowntimeScheduleOneTimeCreateUpdateRequest).

Datadog does not say whether a duration that spans a clock change counts elapsed or wall-clock hours.
Europe, North America, Chile and Australia change clocks between Saturday night and early Sunday, so
only the weekend recurrence spans a change; its extra hour on Sunday evening keeps its end inside
Sunday night either way, and the union is the same minute for minute. (A zone that changes on a
weekday night, as Israel does early on a Friday in spring, may see that one night end an hour off.)

Applying again sends nothing when nothing changed: a recurrence whose start is an earlier occurrence of
the same rule silences the same future as the one `apply` would write now (`same_schedule`), and a quiet
period already silenced by the downtimes found is left as it is (`already_silenced`). So `apply` never
moves a schedule under an occurrence in progress, which the API does not document.

The downtimes apply to the monitor carrying the my_metric monitor's ownership tags rather than to its id,
so the bodies are known before the monitor exists. Each message carries its identity (ownership.py) and
@-mentions the `--notify` handle, so each start notifies it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from datadog_api_client.v2.model.downtime_create_request import DowntimeCreateRequest
from datadog_api_client.v2.model.downtime_create_request_attributes import DowntimeCreateRequestAttributes
from datadog_api_client.v2.model.downtime_create_request_data import DowntimeCreateRequestData
from datadog_api_client.v2.model.downtime_monitor_identifier_tags import DowntimeMonitorIdentifierTags
from datadog_api_client.v2.model.downtime_notify_end_state_actions import DowntimeNotifyEndStateActions
from datadog_api_client.v2.model.downtime_notify_end_state_types import DowntimeNotifyEndStateTypes
from datadog_api_client.v2.model.downtime_resource_type import DowntimeResourceType
from datadog_api_client.v2.model.downtime_schedule_one_time_create_update_request import (
    DowntimeScheduleOneTimeCreateUpdateRequest,
)
from datadog_api_client.v2.model.downtime_schedule_recurrence_create_update_request import (
    DowntimeScheduleRecurrenceCreateUpdateRequest,
)
from datadog_api_client.v2.model.downtime_schedule_recurrences_create_request import (
    DowntimeScheduleRecurrencesCreateRequest,
)

from . import ownership
from .monitors import MY_METRIC_TAGS

QUIET_HOURS = 'my_metric quiet hours'
QUIET_HOURS_KEY = 'my_metric_quiet_hours'
IN_PROGRESS_KEY = 'my_metric_quiet_period'
SCOPE = '*'

# The API refuses a start in the past: leave room for the request to arrive.
START_MARGIN = timedelta(minutes=1)

WEEKDAYS = ('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')  # RRULE BYDAY codes, in `datetime.weekday()` order
QUIET_FROM = time(19)  # on weekdays
QUIET_UNTIL = time(9)  # on weekdays
DAYS_TO_SCAN = 8  # any weekly rule and any quiet period start or end within a week of any instant


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

    def occurs_at(self, local):
        """Whether the rule starts at the naive local time `local`."""
        return WEEKDAYS[local.weekday()] in self.weekdays and local.time() == self.starts_at

    def starts(self, begin, end):
        """The naive local starts in [begin, end)."""
        day = begin.date()
        while (start := datetime.combine(day, self.starts_at)) < end:
            if start >= begin and self.occurs_at(start):
                yield start
            day += timedelta(days=1)

    def first_start(self, after):
        """The first start after the naive local time `after`: the API takes starts without an offset."""
        return next(self.starts(after + timedelta(microseconds=1), after + timedelta(days=DAYS_TO_SCAN)))


WEEKDAY_NIGHTS = Recurrence(('SU', 'MO', 'TU', 'WE', 'TH'), QUIET_FROM, timedelta(hours=14))
WEEKEND = Recurrence(('FR',), QUIET_FROM, timedelta(hours=49))
RECURRENCES = (WEEKDAY_NIGHTS, WEEKEND)

MESSAGE = (
    'Quiet hours: the my_metric monitor is silenced from 19:00 to 09:00 on weekdays and all weekend ({timezone}). '
    'Monitors still alerting when a quiet period ends notify then. {notify} {note}'
)
IN_PROGRESS_MESSAGE = (
    'Quiet hours: the my_metric monitor is silenced until {end:%A %H:%M} ({timezone}), the end of the quiet '
    'period that was under way when `datadog-exercise apply` ran. Monitors still alerting then notify. '
    '{notify} {note}'
)


def is_quiet(local):
    """Whether the naive local time `local` is in quiet hours."""
    return local.weekday() >= 5 or not QUIET_UNTIL <= local.time() < QUIET_FROM


def period_around(local):
    """(start, end) of the quiet period holding the naive local time `local`: weekday 19:00 to weekday 09:00."""
    starts = (datetime.combine(local.date() - timedelta(days=back), QUIET_FROM) for back in range(DAYS_TO_SCAN))
    ends = (datetime.combine(local.date() + timedelta(days=ahead), QUIET_UNTIL) for ahead in range(DAYS_TO_SCAN))
    start = next(start for start in starts if start.weekday() < 5 and start <= local)
    end = next(end for end in ends if end.weekday() < 5 and end > local)
    return start, end


def to_utc(local, zone):
    return local.replace(tzinfo=zone).astimezone(UTC)


def local_time(now, zone):
    return now.astimezone(zone).replace(tzinfo=None)


@dataclass(frozen=True)
class QuietPeriod:
    """The part of a quiet period that the recurrences, starting after `apply`, leave to a one-off downtime."""

    start: datetime | None  # aware UTC; None: from the moment the downtime is created
    end: datetime  # aware UTC
    end_local: datetime  # naive, in the downtime's time zone

    def since(self, now):
        """[from, to) in aware UTC: what must be silenced from `now` on."""
        return (self.start or now, self.end)


def period_in_progress(now, timezone):
    """The quiet period under way at `now`, or starting before the recurrences can take it; else None."""
    zone = ZoneInfo(timezone)
    local_now = local_time(now, zone)
    cutoff = local_now + START_MARGIN  # a recurrence starting before this is skipped: see `first_start`
    if is_quiet(local_now):
        start, end = None, period_around(local_now)[1]
    elif is_quiet(cutoff):
        begins, end = period_around(cutoff)
        start = to_utc(begins, zone)
    else:
        return None
    return QuietPeriod(start=start, end=to_utc(end, zone), end_local=end)


def notify_end():
    # When a quiet period ends (or the downtime is cancelled), monitors still in one of these states notify.
    return {
        'notify_end_states': [
            DowntimeNotifyEndStateTypes.ALERT,
            DowntimeNotifyEndStateTypes.WARN,
            DowntimeNotifyEndStateTypes.NO_DATA,
        ],
        'notify_end_types': [DowntimeNotifyEndStateActions.EXPIRED, DowntimeNotifyEndStateActions.CANCELED],
    }


def downtime(schedule, timezone, message):
    attributes = DowntimeCreateRequestAttributes(
        monitor_identifier=DowntimeMonitorIdentifierTags(monitor_tags=list(MY_METRIC_TAGS)),
        scope=SCOPE,
        schedule=schedule,
        display_timezone=timezone,
        message=message,
        **notify_end(),
    )
    return DowntimeCreateRequest(
        data=DowntimeCreateRequestData(type=DowntimeResourceType.DOWNTIME, attributes=attributes)
    )


def quiet_hours(notify, timezone, now):
    """The recurring downtime as a create request; `now` (aware) fixes the first start of each recurrence."""
    local_now = local_time(now, ZoneInfo(timezone))
    recurrences = [
        DowntimeScheduleRecurrenceCreateUpdateRequest(
            rrule=recurrence.rrule,
            start=recurrence.first_start(local_now + START_MARGIN).isoformat(timespec='seconds'),
            duration=recurrence.duration,
        )
        for recurrence in RECURRENCES
    ]
    schedule = DowntimeScheduleRecurrencesCreateRequest(timezone=timezone, recurrences=recurrences)
    message = MESSAGE.format(timezone=timezone, notify=notify, note=ownership.note(QUIET_HOURS_KEY))
    return downtime(schedule, timezone, message)


def quiet_period(notify, timezone, period):
    """The one-off downtime that silences `period` (a QuietPeriod), as a create request."""
    schedule = DowntimeScheduleOneTimeCreateUpdateRequest(end=period.end)
    if period.start is not None:
        schedule.start = period.start
    message = IN_PROGRESS_MESSAGE.format(
        end=period.end_local, timezone=timezone, notify=notify, note=ownership.note(IN_PROGRESS_KEY)
    )
    return downtime(schedule, timezone, message)


def quiet_period_label(period, timezone):
    return f'my_metric quiet period in progress, until {period.end_local:%Y-%m-%d %H:%M} {timezone}'


# What the API returns, read back. Everything below takes the JSON of a listed downtime and never trusts it
# further than it can check: a start it cannot read, or a rule that is not one of ours, counts as different.


def parse_local(text):
    """A recurrence start as the API returns it (no offset, seconds optional), or None."""
    try:
        start = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return start if start.tzinfo is None else None


def parse_instant(text):
    """A one-off start or end as the API returns it (with an offset), in UTC, or None."""
    try:
        instant = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return instant.astimezone(UTC) if instant.tzinfo is not None else None


def matched_recurrences(desired, existing):
    """[(Recurrence, existing start)] pairing each desired recurrence with an existing one that silences the
    same future (same rule, same duration, a start on the rule no later than the desired one); None when
    the schedules differ."""
    if not isinstance(existing, dict) or existing.get('timezone', 'UTC') != desired['timezone']:
        return None
    listed = existing.get('recurrences')
    if not isinstance(listed, list) or len(listed) != len(desired['recurrences']):
        return None
    remaining = [item for item in listed if isinstance(item, dict)]
    pairs = []
    for wanted in desired['recurrences']:
        same_rule = (wanted['rrule'], wanted['duration'])
        [recurrence] = [item for item in RECURRENCES if (item.rrule, item.duration) == same_rule]
        start = datetime.fromisoformat(wanted['start'])
        for item in remaining:
            anchor = parse_local(item.get('start'))
            on_the_rule = anchor is not None and recurrence.occurs_at(anchor) and anchor <= start
            if (item.get('rrule'), item.get('duration')) == same_rule and on_the_rule:
                remaining.remove(item)
                pairs.append((recurrence, anchor))
                break
        else:
            return None
    return pairs


def same_schedule(desired, existing):
    """Whether the existing schedule silences, from now on, exactly what the desired one would."""
    return matched_recurrences(desired, existing) is not None


def silenced_by(listed, desired_schedule, since, until):
    """UTC intervals [start, end) that the listed downtime silences between `since` and `until`.

    A recurring downtime counts only when its schedule is the desired one; an occurrence spanning a clock
    change counts the shorter of its elapsed and wall-clock readings.
    """
    schedule = (listed.get('attributes') or {}).get('schedule')
    if not isinstance(schedule, dict):
        return []
    if 'recurrences' not in schedule:
        start, end = parse_instant(schedule.get('start')), parse_instant(schedule.get('end'))
        if start is None or (end is None and schedule.get('end') is not None):
            return []
        return [(start, end or datetime.max.replace(tzinfo=UTC))]
    pairs = matched_recurrences(desired_schedule, schedule)
    if pairs is None:
        return []
    zone = ZoneInfo(desired_schedule['timezone'])
    intervals = []
    for recurrence, anchor in pairs:
        begin = max(anchor, local_time(since, zone) - recurrence.lasts - timedelta(days=1))
        for start in recurrence.starts(begin, local_time(until, zone) + timedelta(days=1)):
            begins = to_utc(start, zone)
            ends = min(begins + recurrence.lasts, to_utc(start + recurrence.lasts, zone))
            intervals.append((begins, ends))
    return intervals


def already_silenced(span, intervals):
    """Whether the union of `intervals` covers the UTC span [from, to)."""
    reached, end = span
    for start, stop in sorted(intervals):
        if start > reached:
            break
        reached = max(reached, stop)
        if reached >= end:
            return True
    return reached >= end
