"""Parse an éCO2mix XML answer (`eco2mixWeb?type=mix|co2`): bytes in, typed records out.

Pure: no HTTP, no Agent, no clock. Days are found by their `mixtr` element name and `date`,
series by their `v` label, slots by their `periode` attribute, never by position.

The parser is hardened: entities are never resolved, no DTD or network access, the body size is
bounded, and any document that declares a DTD is refused (the feed never has one).
"""

import contextlib
import itertools
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import NamedTuple

from .body import MAX_BYTES, MISSING, parse_xml
from .labels import UNKNOWN, row_name, xml_row
from .model import ECO2MIX, Day, Document, FeedError, LabelsSeen
from .plausible import is_plausible, plausible_range
from .reading import Tally, excerpt, feed_day, feed_number, in_range, shown
from .slots import MAX_SLOTS

DAY_TAG = 'mixtr'
# Unknown rows of a day kept with their values, for the drift diagnosis; the others are only named and counted.
MAX_UNKNOWN_ROWS = 5
MARKET_DAY_TAG = 'donneesMarche'
MAX_DAYS = 62  # two months: more than any request this project makes (the check asks for two days)
OTHER_FEED = f'the market-prices feed (<{MARKET_DAY_TAG}> days, getDonneesMarche), not éCO2mix (<{DAY_TAG}> days)'
_DATE_ACTUELLE = re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}')
_PERIODE = re.compile(r'[0-9]{1,3}')


def parse(body, max_bytes=MAX_BYTES, overrides=None):
    """Parse an éCO2mix XML body. Raises FeedError, and nothing else, for anything that is not one.

    `overrides` ({(label, labels.override_code(granularite)): key}, the `label_overrides` option) are read before
    the label table."""
    root = liste(body, max_bytes, 'éCO2mix XML')
    found = _Found(Tally(), Tally(), LabelsSeen())
    days = []
    for day, element in day_elements(root, DAY_TAG, {MARKET_DAY_TAG: OTHER_FEED}, found.problems):
        rows = DayRows(element, day, found, overrides)
        days.append(Day(day, rows, UnknownRows(rows)))
    return Document(
        feed=ECO2MIX,
        days=tuple(sorted(days, key=lambda day: day.date)),
        generated_at=_generated_at(root, found.problems),
        unknown_labels=found.unknown_labels,
        problems=found.problems,
        labels=found.labels,
    )


class _Found(NamedTuple):
    """What reading the rows finds, recorded in the document as the caller reads its days."""

    unknown_labels: Tally
    problems: Tally
    labels: LabelsSeen


def liste(body, max_bytes, expected):
    """The `<liste>` root element of an éCO2mix-layout body (the mix, CO2 and market feeds share it)."""
    root = parse_xml(body, max_bytes, expected)
    if not isinstance(root.tag, str) or root.tag != 'liste':
        raise FeedError(f'expected an éCO2mix <liste> document, got a <{excerpt(root.tag)}> root element')
    return root


def day_elements(root, day_tag, other_feeds, problems):
    """[(day, element)] of the `<day_tag date=...>` children, in document order, each day once (a repeat is a
    problem), at most MAX_DAYS. FeedError for a date that is not one, or no day at all (no_days_message)."""
    found = {}
    for element in root.iterchildren(day_tag):
        text = element.get('date')
        day = feed_day(text)
        if day is None:
            raise FeedError(f'day element <{day_tag}> has an invalid date {shown(text)}')
        if day in found:
            problems.add(f'day {day} appears twice; the first one is used')
            continue
        if len(found) == MAX_DAYS:
            raise FeedError(f'more than {MAX_DAYS} <{day_tag}> day elements: not an answer to this project')
        found[day] = element
    if not found:
        raise FeedError(no_days_message(root, day_tag, other_feeds))
    return list(found.items())


def no_days_message(root, day_tag, other_feeds):
    """Why a document has no <day_tag> element: it is another feed (`other_feeds`: {its day tag: what to say}),
    or it has other children, of which the first ten tag names are listed."""
    for tag, which in other_feeds.items():
        if root.find(tag) is not None:
            return f'this is {which}: check the URL'
    tags = sorted({child.tag for child in itertools.islice(root, 100) if isinstance(child.tag, str)})
    listed = ', '.join(excerpt(tag, 20) for tag in tags[:10]) + (', ...' if len(tags) > 10 else '')
    return f'no <{day_tag}> day element in the document (children found: {listed or "none"})'


def _generated_at(root, problems):
    """`date_actuelle`: when RTE generated the document, in UTC."""
    text = root.findtext('date_actuelle')
    if text is None:
        return None
    generated = None
    if _DATE_ACTUELLE.fullmatch(text.strip()):
        with contextlib.suppress(ValueError):  # e.g. a 31st of February
            generated = datetime.strptime(text.strip(), '%Y-%m-%d %H:%M:%S')
    if generated is None or not in_range(generated):
        problems.add(f'date_actuelle {shown(text)} is not a date and time')
        return None
    return generated.replace(tzinfo=UTC)


class DayRows(Mapping):
    """The series of one day element, indexed by label on first use: a 31-day answer only pays for the
    days the caller reads. Labels, unknown rows and repeated rows are recorded in the document then."""

    __slots__ = ('_day', '_element', '_found', '_overrides', '_rows', '_unknown')

    def __init__(self, element, day, found, overrides):
        self._element = element
        self._day = day
        self._found = found
        self._overrides = overrides
        self._rows = None
        self._unknown = None

    def _index(self):
        if self._rows is None:
            self._rows, self._unknown = {}, {}
            labels, problems = self._found.labels, self._found.problems
            for row in self._element.iterchildren('type'):
                label, granularity = row.get('v'), row.get('granularite')
                reading, key = xml_row(label, granularity, self._overrides)
                labels.add(label, granularity, reading, key)
                if key is None:
                    if reading == UNKNOWN:
                        self._found.unknown_labels.add(row_name(label, granularity))
                        self._keep_unknown(row, label, granularity)
                elif key in self._rows:
                    name = row_name(label, granularity)
                    problems.add(f'{self._day}: series {name} appears twice; the first one is used')
                else:
                    self._rows[key] = XmlSeries(row, key, (self._day, label), problems)
            self._element = None
        return self._rows

    def _keep_unknown(self, row, label, granularity):
        name = (label, granularity)
        if name not in self._unknown and len(self._unknown) < MAX_UNKNOWN_ROWS:
            # Their problems are not the document's: the row is not read for the figures.
            self._unknown[name] = XmlSeries(row, None, (self._day, label), Tally())

    def unknown(self):
        self._index()
        return self._unknown

    def __getitem__(self, key):
        return self._index()[key]

    def __iter__(self):
        return iter(self._index())

    def __len__(self):
        return len(self._index())


class UnknownRows(Mapping):
    """The unknown rows a DayRows keeps, indexed with it on first use."""

    __slots__ = ('_rows',)

    def __init__(self, rows):
        self._rows = rows

    def __getitem__(self, name):
        return self._rows.unknown()[name]

    def __iter__(self):
        return iter(self._rows.unknown())

    def __len__(self):
        return len(self._rows.unknown())


class XmlSeries:
    """The values of one `<type>` row, decoded on demand from its last `<valeur>` backwards. A row of an unknown
    series (key None) has no plausible range: its values are any number the feed can write (reading.py).

    The check only needs the latest quarter-hours, so a row is read from its end, and only as far
    as asked: the latest quarter-hour of a 31-day document costs a few elements per row. Slots
    always come from `periode`. The shortcut is only trusted while the row is regular: a row of n
    values numbered 0 to n-1 in order, as RTE writes them. At the first irregularity met (a gap, a
    repeat, a periode out of order or unreadable) the whole row is decoded at once. A slot that
    appears twice keeps its last value.
    """

    __slots__ = (
        '_expected',
        '_floor',
        '_key',
        '_name',
        '_pending',
        '_problems',
        '_regular',
        '_row',
        '_seen',
        '_values',
    )

    def __init__(self, row, key, name, problems):
        self._row = row
        self._key = key
        self._pending = None  # the backwards iterator, made on the first read
        self._name = name  # (day, label), formatted only for a problem
        self._problems = problems
        self._values = {}
        self._seen = set()  # slots present, with or without a value
        self._floor = None  # lowest slot read so far: while regular, every slot above it is known
        self._regular = True
        self._expected = None  # the periode the next element read must have, while regular

    def value_at(self, slot):
        while self._unread() and not (self._regular and self._floor is not None and self._floor <= slot):
            self._read_one()
        return self._values.get(slot)

    def latest_slot(self):
        while self._unread() and not (self._regular and self._values):
            self._read_one()
        return max(self._values, default=None)

    def items(self):
        self._read_all()
        return iter(sorted(self._values.items()))

    def highest_slot(self):
        self._read_all()
        return max(self._seen, default=None)

    def slot_count(self):
        self._read_all()
        return len(self._seen)

    def _label(self):
        day, label = self._name
        return f'{day} {shown(label)}'

    def _unread(self):
        if self._pending is None and self._row is not None:
            self._expected = len(self._row) - 1
            self._pending = self._row.iterchildren('valeur', reversed=True)
            self._row = None
        return self._pending is not None

    def _read_all(self):
        while self._unread():
            self._read_one()

    def _read_one(self):
        valeur = next(self._pending, None)
        if valeur is None:
            self._pending = None
            return
        raw_slot = valeur.get('periode')
        # At most three ASCII digits: int() would take '١٢', ' 12' or a 5000-digit number.
        slot = int(raw_slot) if raw_slot is not None and _PERIODE.fullmatch(raw_slot) else None
        if slot != self._expected:
            self._regular = False
        if slot is None or slot >= MAX_SLOTS:
            self._problems.add(
                f'{self._label()}: periode {shown(raw_slot)} is not a slot number (0 to {MAX_SLOTS - 1})'
            )
            return
        self._expected = slot - 1
        if slot in self._seen:
            self._problems.add(f'{self._label()}: periode {slot} appears twice; the last one is used')
            return
        self._floor = slot if self._floor is None else min(self._floor, slot)
        self._seen.add(slot)
        text = (valeur.text or '').strip()
        if text in MISSING:
            return
        value = feed_number(text)
        if value is None:
            self._problems.add(f'{self._label()} slot {slot}: value {shown(text)} is not a number')
        elif self._key is not None and not is_plausible(self._key, value):
            low, high = plausible_range(self._key)
            self._problems.add(
                f'{self._label()} slot {slot}: {value:g} is outside the plausible range of {self._key.series} '
                f'({low} to {high})'
            )
        else:
            self._values[slot] = value
