"""Parse ODRE open-data answers (API v2.1 `records`): the records of any dataset, and the national dataset
(`eco2mix-national-tr`) into the same records as the XML.

ODRE republishes the éCO2mix figures as one JSON record per quarter-hour, about an hour later.
Each national record is placed on the Paris day and wall-clock slot of its `date_heure`, so that both
feeds give the same days, series and slots. ODRE also carries what the XML does not: the commercial
exchange per border, the batteries, and wind split onshore/offshore (labels.DETAIL_SERIES).
"""

from .body import MISSING, parse_json
from .labels import ODRE_FIELDS, ODRE_IGNORED
from .model import ODRE, Day, Document, FeedError, MappedSeries
from .plausible import is_plausible, plausible_range
from .reading import Tally, excerpt, feed_instant, feed_number, shown
from .slots import PARIS

MAX_RECORDS = 100  # the API's own `limit` maximum: a longer list is not an answer to a request
MAX_BYTES = 1024 * 1024  # 100 records are about 100 KB


def parse(body, max_bytes=MAX_BYTES):
    """Parse an ODRE `eco2mix-national-tr` answer. Raises FeedError, and nothing else, for anything that is not one."""
    problems = Tally()
    unknown = Tally()
    # (day, slot) -> (start, record). The repeated autumn hour has one slot and keeps its first occurrence
    # (summer time), as in the XML, whatever order the records come in (the check asks newest first).
    placed = {}
    for position, record in enumerate(records(body, max_bytes, 'ODRE JSON')):
        if not isinstance(record, dict):
            problems.add(f'record #{position} is not an object')
            continue
        start = record_start(record, position, problems)
        if start is None:
            continue
        local = start.astimezone(PARIS)
        place = (local.date(), (local.hour * 60 + local.minute) // 15)
        if place in placed and placed[place][0] <= start:
            continue
        placed[place] = (start, record)
        for name in record:
            if name not in ODRE_FIELDS and name not in ODRE_IGNORED:
                unknown.add(shown(name))
    slots_by_day = {}
    for (day, slot), (_, record) in placed.items():
        slots_by_day.setdefault(day, {})[slot] = record
    days = tuple(Day(day, _series(slots_by_day[day], problems)) for day in sorted(slots_by_day))
    return Document(feed=ODRE, days=days, unknown_labels=unknown, problems=problems)


def records(body, max_bytes, expected):
    """The `results` list of an ODRE API v2.1 answer, at most MAX_RECORDS long, or FeedError naming what arrived."""
    answer = parse_json(body, max_bytes, expected)
    if not isinstance(answer, dict):
        raise FeedError(f'expected an ODRE JSON object, got a {type(answer).__name__}')
    if 'error_code' in answer:
        raise FeedError(
            f'ODRE answered error {excerpt(answer.get("error_code"))}: {excerpt(answer.get("message"), 200)}'
        )
    found = answer.get('results')
    if not isinstance(found, list):
        keys = sorted(answer)
        listed = ', '.join(excerpt(key, 20) for key in keys[:10]) + (', ...' if len(keys) > 10 else '')
        raise FeedError(f'ODRE answer has no `results` list (keys: {listed})')
    if len(found) > MAX_RECORDS:
        raise FeedError(f'ODRE answer has {len(found)} records, more than the API ever sends ({MAX_RECORDS})')
    return found


def record_start(record, position, problems):
    """The UTC start of a record's quarter-hour, from its `date_heure`; None, with a problem noted, when it has none."""
    text = record.get('date_heure')
    start, why = feed_instant(text)
    if start is None:
        problems.add(f'record #{position}: date_heure {shown(text)} {why}')
        return None
    if start.minute % 15 or start.second or start.microsecond:
        problems.add(f'record #{position}: date_heure {shown(text)} is not on a quarter-hour')
        return None
    return start


def value_of(raw):
    """(value, None), (None, None) when the feed marks it missing, or (None, why) when it is not a number."""
    if raw is None or (isinstance(raw, str) and raw.strip() in MISSING):
        return None, None
    value = feed_number(raw)
    return (value, None) if value is not None else (None, f'{shown(raw)} is not a number')


def _series(records_by_slot, problems):
    values = {key: {} for key in ODRE_FIELDS.values()}
    for slot, record in records_by_slot.items():
        for name, key in ODRE_FIELDS.items():
            value, why = value_of(record.get(name))
            if why:
                problems.add(f'slot {slot}: {name} {why}')
            elif value is None:
                continue
            elif not is_plausible(key, value):
                low, high = plausible_range(key)
                problems.add(
                    f'slot {slot}: {name} {value:g} is outside the plausible range of {key.series} ({low} to {high})'
                )
            else:
                values[key][slot] = value
    present = frozenset(records_by_slot)
    return {key: MappedSeries(slot_values, present) for key, slot_values in values.items() if slot_values}
