"""The quiet-hours downtimes: their bodies, and the minutes they silence from the moment `apply` runs.

The minutes wanted come from the rule as a person states it (a UTC minute is quiet when its local time is
19:00-09:00 on a weekday, or any time on Saturday and Sunday). What the downtimes silence is worked out
here from their bodies with dateutil's rrule, as Datadog reads them; Datadog does not document whether a
duration spanning a clock change counts elapsed or wall-clock hours, so both readings are checked.
"""

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from datadog_stand_in import shown_downtime, stored_downtime
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from datadog_exercise.as_code import catalog, sync
from datadog_exercise.as_code.client import Owned
from datadog_exercise.as_code.downtimes import quiet_hours, quiet_period
from datadog_exercise.as_code.wire import wire_body

MINUTE = timedelta(minutes=1)
NOTIFY = '@alice@example.com'
HORIZON = timedelta(days=8)  # how far after each apply the minutes are compared: a whole week and a day

# Clock changes in zones of both hemispheres: early on a Sunday, and Santiago's at Saturday midnight.
CLOCK_CHANGES = [
    pytest.param('Europe/Paris', datetime(2025, 3, 30, 2), id='Paris-forward'),  # 02:00 -> 03:00
    pytest.param('Europe/Paris', datetime(2025, 10, 26, 3), id='Paris-back'),  # 03:00 -> 02:00
    pytest.param('Australia/Sydney', datetime(2025, 4, 6, 3), id='Sydney-back'),
    pytest.param('Australia/Sydney', datetime(2025, 10, 5, 2), id='Sydney-forward'),
    pytest.param('America/Santiago', datetime(2025, 4, 6, 0), id='Santiago-back'),  # Saturday 24:00 -> 23:00
    pytest.param('America/Santiago', datetime(2025, 9, 7, 0), id='Santiago-forward'),
]


def meant_to_be_silenced(minute, zone):
    """19:00-09:00 on weekdays, and all of Saturday and Sunday (so Monday 00:00-09:00 too)."""
    local = minute.astimezone(zone)
    return not (local.weekday() < 5 and 9 <= local.hour < 19)


def wanted_intervals(zone, start, end):
    """The quiet minutes from `start` to `end` (aware UTC), one minute at a time, as [begin, end) intervals."""
    intervals = []
    minute = start
    while minute < end:
        if meant_to_be_silenced(minute, zone):
            if intervals and intervals[-1][1] == minute:
                intervals[-1] = (intervals[-1][0], minute + MINUTE)
            else:
                intervals.append((minute, minute + MINUTE))
        minute += MINUTE
    return intervals


def silenced(attributes, created, until, elapsed):
    """UTC [begin, end) intervals that one downtime (its attributes, created at `created`) silences up to `until`."""
    schedule = attributes['schedule']
    if 'recurrences' not in schedule:
        start = datetime.fromisoformat(schedule['start']) if schedule.get('start') else created
        return [(start, datetime.fromisoformat(schedule['end']))]
    zone = ZoneInfo(schedule['timezone'])
    intervals = []
    for recurrence in schedule['recurrences']:
        first = datetime.fromisoformat(recurrence['start'])
        lasts = timedelta(hours=int(recurrence['duration'].removesuffix('h')))
        until_local = until.astimezone(zone).replace(tzinfo=None)
        for start in rrulestr(recurrence['rrule'], dtstart=first).between(first, until_local, inc=True):
            begin = start.replace(tzinfo=zone).astimezone(UTC)
            end = begin + lasts if elapsed else (start + lasts).replace(tzinfo=zone).astimezone(UTC)
            intervals.append((begin, end))
    return intervals


def merged(intervals):
    result = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        elif start < end:
            result.append((start, end))
    return result


def clipped(intervals, start, end):
    return merged((max(begin, start), min(stop, end)) for begin, stop in intervals if begin < end and stop > start)


def minutes_outside(intervals, others):
    """How many minutes of `intervals` none of `others` covers (both merged)."""
    missing = timedelta(0)
    for start, end in intervals:
        cursor = start
        for begin, stop in others:
            if stop <= cursor or begin >= end:
                continue
            missing += max(begin - cursor, timedelta(0))
            cursor = max(cursor, stop)
        missing += max(end - cursor, timedelta(0))
    return missing / MINUTE


@cache  # the two sweeps apply at the same times: build each once (bodies are only read)
def first_apply(timezone, now):
    """The create bodies (wire form) of a first `apply --only downtimes` at `now`, on an empty organisation."""
    steps = sync.plan(catalog.build(('downtimes',), None, NOTIFY, timezone, now), [], now)
    assert {step.action for step in steps} == {'create'}
    return tuple((step.managed.key, step.managed.wire) for step in steps)


def found_at(created, created_at, now):
    """What the organisation lists at `now` of the downtimes `created` at `created_at`, live ones only."""
    found = []
    for number, (key, body) in enumerate(created):
        shown = shown_downtime(stored_downtime(body, f'downtime-{number}', created_at), now)
        if shown['attributes']['status'] in ('active', 'scheduled'):
            found.append(Owned('downtimes', key, shown['id'], shown))
    return found


def apply_times(start, end):
    """An apply time in every hour from `start` to `end`, at a minute that turns through all 60 (:00 and :59 too)."""
    hours = int((end - start) / timedelta(hours=1))
    return [start + timedelta(hours=hour, minutes=hour * 17 % 60) for hour in range(hours)]


@pytest.mark.parametrize(('timezone', 'clock_change'), CLOCK_CHANGES)
def test_from_every_apply_time_the_downtimes_silence_exactly_the_quiet_minutes(timezone, clock_change):
    """Apply times every hour over the fortnight around a clock change; each compared over the next 8 days."""
    zone = ZoneInfo(timezone)
    fortnight_start = (clock_change - timedelta(days=7)).replace(tzinfo=zone).astimezone(UTC)
    fortnight_end = fortnight_start + timedelta(days=14)
    wanted = wanted_intervals(zone, fortnight_start, fortnight_end + HORIZON)

    wrong = {}
    for now in apply_times(fortnight_start, fortnight_end):
        created = first_apply(timezone, now)
        for elapsed in (True, False):
            covered = merged(
                interval
                for _, body in created
                for interval in silenced(body['data']['attributes'], now, now + HORIZON, elapsed)
            )
            covered, expected = clipped(covered, now, now + HORIZON), clipped(wanted, now, now + HORIZON)
            uncovered, extra = minutes_outside(expected, covered), minutes_outside(covered, expected)
            if uncovered or extra:
                wrong[now.astimezone(zone).isoformat(), elapsed] = (uncovered, extra)

    assert wrong == {}


@pytest.mark.parametrize(('timezone', 'clock_change'), CLOCK_CHANGES)
def test_a_second_apply_during_quiet_hours_sends_nothing(timezone, clock_change):
    zone = ZoneInfo(timezone)
    fortnight_start = (clock_change - timedelta(days=7)).replace(tzinfo=zone).astimezone(UTC)
    checked, changed = 0, {}
    for first in apply_times(fortnight_start, fortnight_start + timedelta(days=14)):
        # Later in the same quiet period, or in the next day's.
        later = first + (timedelta(minutes=37) if first.hour % 2 else timedelta(days=1, minutes=5))
        if not meant_to_be_silenced(later, zone):
            continue
        checked += 1
        objects = catalog.build(('downtimes',), None, NOTIFY, timezone, later)
        found = found_at(first_apply(timezone, first), first, later)
        actions = [step.action for step in sync.plan(objects, found, later)]
        if set(actions) - {'unchanged', 'silenced'}:
            changed[first.isoformat(), later.isoformat()] = actions

    assert changed == {}
    assert checked > 100


# Zones whose clocks change at night between Saturday and Sunday, or never. (A zone that changes on a weekday
# night, as Israel does early on a Friday, may see that one night end an hour off: see downtimes.py.)
ZONES = ['Europe/Paris', 'Europe/London', 'America/New_York', 'America/Santiago', 'Australia/Sydney']
ZONES += ['Pacific/Auckland', 'Asia/Tokyo', 'UTC']


@settings(max_examples=60, deadline=None)
@given(
    timezone=st.sampled_from(ZONES),
    now=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
)
def test_at_any_instant_apply_silences_exactly_the_quiet_minutes_and_applying_again_sends_nothing(timezone, now, later):
    zone = ZoneInfo(timezone)
    horizon = now + timedelta(days=3)
    created = first_apply(timezone, now)
    expected = clipped(wanted_intervals(zone, now.replace(second=0, microsecond=0), horizon), now, horizon)
    for elapsed in (True, False):
        covered = clipped(
            [
                interval
                for _, body in created
                for interval in silenced(body['data']['attributes'], now, horizon, elapsed)
            ],
            now,
            horizon,
        )
        assert (minutes_outside(expected, covered), minutes_outside(covered, expected)) == (0, 0)

    again = now + later
    if meant_to_be_silenced(again, zone):
        objects = catalog.build(('downtimes',), None, NOTIFY, timezone, again)
        steps = sync.plan(objects, found_at(created, now, again), again)
        assert {step.action for step in steps} <= {'unchanged', 'silenced'}


def test_outside_quiet_hours_only_the_recurring_downtime_is_made():
    # Wednesday 12:00 in Paris.
    [(key, body)] = first_apply('Europe/Paris', datetime(2025, 3, 12, 11, 0, tzinfo=UTC))

    assert key == 'my_metric_quiet_hours'
    assert [item['start'] for item in body['data']['attributes']['schedule']['recurrences']] == [
        '2025-03-12T19:00:00',
        '2025-03-14T19:00:00',
    ]


def test_a_weekend_under_way_is_silenced_to_monday_nine_in_local_time():
    # Friday 19:30 in Paris: the weekend has started; the clocks go forward on Sunday.
    now = datetime(2025, 3, 28, 19, 30, tzinfo=ZoneInfo('Europe/Paris'))

    [(period_key, period), (recurring_key, recurring)] = first_apply('Europe/Paris', now)

    assert (period_key, recurring_key) == ('my_metric_quiet_period', 'my_metric_quiet_hours')
    # No start: from the moment it is created. The end is Monday 09:00 summer time, 07:00 UTC.
    assert period['data']['attributes']['schedule'] == {'end': '2025-03-31T07:00:00+00:00'}
    assert [item['start'] for item in recurring['data']['attributes']['schedule']['recurrences']] == [
        '2025-03-30T19:00:00',
        '2025-04-04T19:00:00',
    ]


def test_a_night_starting_within_the_minute_is_silenced_from_its_start():
    # 18:59:30: too close to 19:00 for a recurrence to start tonight, so tonight is a one-off from 19:00.
    now = datetime(2025, 3, 12, 18, 59, 30, tzinfo=ZoneInfo('Europe/Paris'))

    [(_, period), (_, recurring)] = first_apply('Europe/Paris', now)

    assert period['data']['attributes']['schedule'] == {
        'start': '2025-03-12T18:00:00+00:00',
        'end': '2025-03-13T08:00:00+00:00',
    }
    assert recurring['data']['attributes']['schedule']['recurrences'][0]['start'] == '2025-03-13T19:00:00'


def test_quiet_hours_body():
    now = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)  # a Wednesday

    assert wire_body(quiet_hours(NOTIFY, 'Europe/Paris', now), 'downtime') == {
        'data': {
            'type': 'downtime',
            'attributes': {
                'monitor_identifier': {
                    'monitor_tags': ['managed_by:datadog-exercise', 'datadog-exercise:id:my_metric']
                },
                'scope': '*',
                'schedule': {
                    'timezone': 'Europe/Paris',
                    'recurrences': [
                        {
                            'rrule': 'FREQ=WEEKLY;BYDAY=SU,MO,TU,WE,TH',
                            'start': '2025-03-12T19:00:00',
                            'duration': '14h',
                        },
                        {'rrule': 'FREQ=WEEKLY;BYDAY=FR', 'start': '2025-03-14T19:00:00', 'duration': '49h'},
                    ],
                },
                'display_timezone': 'Europe/Paris',
                'message': 'Quiet hours: the my_metric monitor is silenced from 19:00 to 09:00 on weekdays and all '
                'weekend (Europe/Paris). Monitors still alerting when a quiet period ends notify then. '
                '@alice@example.com Managed by `datadog-exercise apply` (datadog-exercise:id:my_metric_quiet_hours).',
                'notify_end_states': ['alert', 'warn', 'no data'],
                'notify_end_types': ['expired', 'canceled'],
            },
        }
    }


def test_quiet_period_body_names_its_end_in_local_time_and_carries_its_own_identity():
    [managed, _] = catalog.build(('downtimes',), None, NOTIFY, 'Australia/Sydney', datetime(2025, 4, 5, 0, tzinfo=UTC))

    attributes = wire_body(quiet_period(NOTIFY, 'Australia/Sydney', managed.period), 'downtime')['data']['attributes']

    # Saturday 11:00 in Sydney, the morning before the clocks go back: the weekend ends Monday 09:00 (AEST).
    assert attributes['schedule'] == {'end': '2025-04-06T23:00:00+00:00'}
    assert attributes['message'] == (
        'Quiet hours: the my_metric monitor is silenced until Monday 09:00 (Australia/Sydney), the end of the '
        'quiet period that was under way when `datadog-exercise apply` ran. Monitors still alerting then '
        'notify. @alice@example.com Managed by `datadog-exercise apply` (datadog-exercise:id:my_metric_quiet_period).'
    )
    assert managed.label == 'my_metric quiet period in progress, until 2025-04-07 09:00 Australia/Sydney'


def first_starts(timezone, now):
    return [
        item['start']
        for item in wire_body(quiet_hours('@ops', timezone, now), 'downtime')['data']['attributes']['schedule'][
            'recurrences'
        ]
    ]


def test_first_starts_are_the_next_ones_in_the_downtimes_time_zone():
    # 22:30 UTC on Wednesday is 18:30 in New York: tonight's 19:00 is still ahead there.
    assert first_starts('America/New_York', datetime(2025, 3, 12, 22, 30, tzinfo=UTC)) == [
        '2025-03-12T19:00:00',
        '2025-03-14T19:00:00',
    ]
    # ... and 23:30 in Paris, where the next night to start is Thursday's.
    assert first_starts('Europe/Paris', datetime(2025, 3, 12, 22, 30, tzinfo=UTC)) == [
        '2025-03-13T19:00:00',
        '2025-03-14T19:00:00',
    ]
