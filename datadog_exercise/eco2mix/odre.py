"""Parse an ODRE open-data answer (dataset `eco2mix-national-tr`, API v2.1) into the same records as the XML.

ODRE republishes the éCO2mix figures as one JSON record per quarter-hour, about an hour later.
Each record is placed on the Paris day and wall-clock slot of its `date_heure`, so that both feeds
give the same days, series and slots.
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
    """Parse an ODRE `records` answer. Raises FeedError, and nothing else, for anything that is not one."""
    records = _records(body, max_bytes)
    problems = Tally()
    slots_by_day = {}
    unknown = Tally()
    for position, record in enumerate(records):
        if not isinstance(record, dict):
            problems.add(f'record #{position} is not an object')
            continue
        start = _start_of(record, position, problems)
        if start is None:
            continue
        local = start.astimezone(PARIS)
        slot = (local.hour * 60 + local.minute) // 15
        day_slots = slots_by_day.setdefault(local.date(), {})
        if slot in day_slots:  # the repeated autumn hour: its first occurrence, as in the XML
            continue
        day_slots[slot] = record
        for name in record:
            if name not in ODRE_FIELDS and name not in ODRE_IGNORED:
                unknown.add(shown(name))
    days = tuple(Day(day, _series(slots_by_day[day], problems)) for day in sorted(slots_by_day))
    return Document(feed=ODRE, days=days, unknown_labels=unknown, problems=problems)


def _records(body, max_bytes):
    answer = parse_json(body, max_bytes, 'ODRE JSON')
    if not isinstance(answer, dict):
        raise FeedError(f'expected an ODRE JSON object, got a {type(answer).__name__}')
    if 'error_code' in answer:
        raise FeedError(
            f'ODRE answered error {excerpt(answer.get("error_code"))}: {excerpt(answer.get("message"), 200)}'
        )
    records = answer.get('results')
    if not isinstance(records, list):
        keys = sorted(answer)
        listed = ', '.join(excerpt(key, 20) for key in keys[:10]) + (', ...' if len(keys) > 10 else '')
        raise FeedError(f'ODRE answer has no `results` list (keys: {listed})')
    if len(records) > MAX_RECORDS:
        raise FeedError(f'ODRE answer has {len(records)} records, more than the API ever sends ({MAX_RECORDS})')
    return records


def _start_of(record, position, problems):
    text = record.get('date_heure')
    start, why = feed_instant(text)
    if start is None:
        problems.add(f'record #{position}: date_heure {shown(text)} {why}')
        return None
    if start.minute % 15 or start.second or start.microsecond:
        problems.add(f'record #{position}: date_heure {shown(text)} is not on a quarter-hour')
        return None
    return start


def _series(records_by_slot, problems):
    values = {key: {} for key in ODRE_FIELDS.values()}
    for slot, record in records_by_slot.items():
        for name, key in ODRE_FIELDS.items():
            raw = record.get(name)
            if raw is None or (isinstance(raw, str) and raw.strip() in MISSING):
                continue
            value = feed_number(raw)
            if value is None:
                problems.add(f'slot {slot}: {name} {shown(raw)} is not a number')
            elif not is_plausible(key, value):
                low, high = plausible_range(key)
                problems.add(
                    f'slot {slot}: {name} {value:g} is outside the plausible range of {key.series} ({low} to {high})'
                )
            else:
                values[key][slot] = value
    present = frozenset(records_by_slot)
    return {key: MappedSeries(slot_values, present) for key, slot_values in values.items() if slot_values}
