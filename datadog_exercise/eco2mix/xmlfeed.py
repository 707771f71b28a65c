"""Parse an éCO2mix XML answer (`eco2mixWeb?type=mix|co2`): bytes in, typed records out.

Pure: no HTTP, no Agent, no clock. Days are found by their `mixtr` element name and `date`,
series by their `v` label, slots by their `periode` attribute, never by position.

The parser is hardened: entities are never resolved, no DTD or network access, the body size is
bounded, and any document that declares a DTD is refused (the feed never has one).
"""

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from lxml import etree

from .body import MAX_BYTES, MISSING, checked_body, note
from .labels import XML_IGNORED, xml_series_key
from .model import ECO2MIX, Day, Document, FeedError, to_number
from .slots import as_date

DAY_TAG = 'mixtr'
MARKET_DAY_TAG = 'donneesMarche'

_DOCTYPE = re.compile(rb'<!DOCTYPE', re.IGNORECASE)
_ELEMENT_START = re.compile(rb'<[A-Za-z_]')
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def parse(body, max_bytes=MAX_BYTES):
    """Parse an éCO2mix XML body. Raises FeedError, and nothing else, for anything that is not one."""
    root = _parse_tree(body, max_bytes)
    days_by_date = {}
    unknown = set()
    problems = []
    for element in root.iterchildren(DAY_TAG):
        text = element.get('date')
        try:
            day = as_date(text or '')
        except ValueError:
            raise FeedError(f'day element <{DAY_TAG}> has an invalid date {text!r}') from None
        if day in days_by_date:
            note(problems, f'day {day} appears twice; the first one is used')
            continue
        days_by_date[day] = Day(day, DayRows(element, day, unknown, problems))
    if not days_by_date:
        raise FeedError(_no_days_message(root))
    return Document(
        feed=ECO2MIX,
        days=tuple(days_by_date[day] for day in sorted(days_by_date)),
        generated_at=_generated_at(root, problems),
        unknown_labels=unknown,
        problems=problems,
    )


def _parse_tree(body, max_bytes):
    body = checked_body(body, max_bytes, 'éCO2mix XML')
    # Refused before lxml sees it: entity declarations (XXE, billion laughs) live in a DTD, which can
    # only stand before the root element; the docinfo check after parsing is the second line.
    root_start = _ELEMENT_START.search(body)
    doctype = _DOCTYPE.search(body, 0, root_start.start() if root_start else len(body))
    if doctype:
        raise FeedError(
            f'refused a document that declares a DTD ({_excerpt(body, doctype.start())}): the feed never has one'
        )
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as error:
        raise FeedError(f'malformed XML ({len(body)} bytes): {error}') from None
    except ValueError as error:  # lxml refuses some inputs before parsing, e.g. unicode with a declaration
        raise FeedError(f'unreadable XML ({len(body)} bytes): {error}') from None
    if root is None:
        raise FeedError(f'malformed XML ({len(body)} bytes): no root element')
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise FeedError(
            f'refused a document that declares a DTD ({docinfo.doctype or "<!DOCTYPE>"}): the feed never has one'
        )
    if not isinstance(root.tag, str) or root.tag != 'liste':
        raise FeedError(f'expected an éCO2mix <liste> document, got a <{root.tag}> root element')
    return root


def _excerpt(body, start, length=60):
    text = body[start : start + length].decode('utf-8', 'replace')
    return ' '.join(text.split()) + ('...' if len(body) > start + length else '')


def _no_days_message(root):
    if root.find(MARKET_DAY_TAG) is not None:
        return (
            f'this is the market-prices feed (<{MARKET_DAY_TAG}> days, getDonneesMarche), '
            f'not éCO2mix (<{DAY_TAG}> days): check the URL'
        )
    children = sorted({child.tag for child in root if isinstance(child.tag, str)})
    return f'no <{DAY_TAG}> day element in the document (children found: {", ".join(children) or "none"})'


def _generated_at(root, problems):
    """`date_actuelle`: when RTE generated the document, in UTC."""
    text = root.findtext('date_actuelle')
    if text is None:
        return None
    try:
        return datetime.strptime(text.strip(), '%Y-%m-%d %H:%M:%S').replace(tzinfo=UTC)
    except ValueError:
        note(problems, f'date_actuelle {text!r} is not a date and time')
        return None


class DayRows(Mapping):
    """The series of one day element, indexed by label on first use: a 31-day answer only pays for the
    days the caller reads. Unknown labels and repeated rows are recorded then."""

    __slots__ = ('_day', '_element', '_problems', '_rows', '_unknown')

    def __init__(self, element, day, unknown, problems):
        self._element = element
        self._day = day
        self._unknown = unknown
        self._problems = problems
        self._rows = None

    def _index(self):
        if self._rows is None:
            self._rows = {}
            for row in self._element.iterchildren('type'):
                label = row.get('v')
                key = xml_series_key(label, row.get('granularite'))
                if key is None:
                    if label not in XML_IGNORED:
                        self._unknown.add(label)
                elif key in self._rows:
                    granularity = row.get('granularite')
                    note(
                        self._problems,
                        f'{self._day}: series {label!r} ({granularity}) appears twice; the first one is used',
                    )
                else:
                    self._rows[key] = XmlSeries(row, (self._day, label), self._problems)
            self._element = None
        return self._rows

    def __getitem__(self, key):
        return self._index()[key]

    def __iter__(self):
        return iter(self._index())

    def __len__(self):
        return len(self._index())


class XmlSeries:
    """The values of one `<type>` row, decoded on demand from its last `<valeur>` backwards.

    The check only needs the latest quarter-hours, so a row is read from its end, and only as far
    as asked: the latest quarter-hour of a 31-day document costs a few elements per row. Slots
    always come from `periode`. The shortcut is only trusted while the row is regular: a row of n
    values numbered 0 to n-1 in order, as RTE writes them. At the first irregularity met (a gap, a
    repeat, a periode out of order or unreadable) the whole row is decoded at once. A slot that
    appears twice keeps its last value.
    """

    __slots__ = ('_expected', '_floor', '_name', '_pending', '_problems', '_regular', '_row', '_seen', '_values')

    def __init__(self, row, name, problems):
        self._row = row  # name: (day, label), formatted only for a problem
        self._pending = None  # the backwards iterator, made on the first read
        self._name = name
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
        return f'{day} {label}'

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
        try:
            slot = int(raw_slot)
        except (TypeError, ValueError):
            slot = None
        if slot != self._expected:
            self._regular = False
        if slot is None or slot < 0:
            note(self._problems, f'{self._label()}: periode {raw_slot!r} is not a slot number')
            return
        self._expected = slot - 1
        if slot in self._seen:
            note(self._problems, f'{self._label()}: periode {slot} appears twice; the last one is used')
            return
        self._floor = slot if self._floor is None else min(self._floor, slot)
        self._seen.add(slot)
        text = (valeur.text or '').strip()
        if text in MISSING:
            return
        value = to_number(text)
        if value is None:
            note(self._problems, f'{self._label()} slot {slot}: value {text[:40]!r} is not a number')
        else:
            self._values[slot] = value
