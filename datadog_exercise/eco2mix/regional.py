"""Parse ODRE's regional real-time records (`eco2mix-regional-tr`, API v2.1): one typed record per region and
quarter-hour. Pure: bytes and the caller's `now` in, records out; FeedError and nothing else.

A region is known by its INSEE code (`code_insee_region`), translated once, in REGIONS, into a stable ASCII
slug; a code the table does not know is counted and named, never turned into a tag. Each record sits at the
instant its `date_heure` says (with its UTC offset) and on the Paris day and wall-clock slot of that instant,
as `odre.py` places national records. Unlike a national day's slot grid, a regional record carries its own
instant, so both autumn 02:00-02:45 quarter-hours are kept (same slot number, different starts).

A region's quarter-hour is usable when its consumption is published; a fuel that is null or absent is
absent (regions without a fuel publish null or 0 for it). A value outside its plausible range refuses the
whole quarter-hour, with a problem naming it: the region's figures are shown together, as a mix.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple

from .body import MAX_BYTES, note
from .records import load_records, place
from .values import CLOCK_TOLERANCE, NEAR_ZERO_MW, UNREADABLE, Bounds, feed_number, printable, remember, shown

DATASET = 'eco2mix-regional-tr'


class Region(NamedTuple):
    slug: str
    name: str  # `libelle_region` as ODRE writes it


# INSEE code -> region: the twelve metropolitan regions of the dataset (Corsica, 94, is not in it).
REGIONS = {
    '11': Region('ile_de_france', 'Île-de-France'),
    '24': Region('centre_val_de_loire', 'Centre-Val de Loire'),
    '27': Region('bourgogne_franche_comte', 'Bourgogne-Franche-Comté'),
    '28': Region('normandie', 'Normandie'),
    '32': Region('hauts_de_france', 'Hauts-de-France'),
    '44': Region('grand_est', 'Grand Est'),
    '52': Region('pays_de_la_loire', 'Pays de la Loire'),
    '53': Region('bretagne', 'Bretagne'),
    '75': Region('nouvelle_aquitaine', 'Nouvelle-Aquitaine'),
    '76': Region('occitanie', 'Occitanie'),
    '84': Region('auvergne_rhone_alpes', 'Auvergne-Rhône-Alpes'),
    '93': Region('provence_alpes_cote_d_azur', "Provence-Alpes-Côte d'Azur"),
}

# ODRE field -> fuel. `thermique` is gas, coal and oil together: the regional dataset has no split per fuel.
FUELS = {
    'nucleaire': 'nuclear',
    'thermique': 'thermal',
    'hydraulique': 'hydro',
    'eolien': 'wind',
    'solaire': 'solar',
    'bioenergies': 'bioenergy',
}
CONSUMPTION = 'consommation'
EXCHANGE = 'ech_physiques'  # the region's physical balance: positive when it imports, as nationally
PUMPING = 'pompage'  # negative in the feed: power drawn by pumped-storage pumps

# Plausible ranges, in the feed's sign. No region can produce more of a fuel than France's whole fleet of
# it: nuclear 63 GW (RTE, with Flamanville 3; no new reactor before 2035), fossil thermal about 18 GW and
# shrinking, hydro 25.7 GW, bioenergy 2.2 GW; wind and solar are growing fast, so their bound is the 2035
# target of France's energy plan (PNEC: 45 GW onshore + 18 GW offshore wind, up to 100 GW solar). Consumption
# is below France's record (102,098 MW on 8 February 2012); France has about 5 GW of pumped storage.
BOUNDS = {
    'nucleaire': Bounds(-NEAR_ZERO_MW, 65_000),
    'thermique': Bounds(-NEAR_ZERO_MW, 20_000),
    'hydraulique': Bounds(-NEAR_ZERO_MW, 27_000),
    'eolien': Bounds(-NEAR_ZERO_MW, 63_000),
    'solaire': Bounds(-NEAR_ZERO_MW, 100_000),
    'bioenergies': Bounds(-NEAR_ZERO_MW, 5_000),
    CONSUMPTION: Bounds(0, 110_000),
    EXCHANGE: Bounds(-110_000, 110_000),
    PUMPING: Bounds(-10_000, NEAR_ZERO_MW),
}

# Fields the dataset carries that are not reported per region (batteries and the wind split are national).
_KNOWN_FIELDS = frozenset(
    {
        'code_insee_region',
        'libelle_region',
        'nature',
        'date',
        'heure',
        'date_heure',
        'stockage_batterie',
        'destockage_batterie',
        'eolien_terrestre',
        'eolien_offshore',
        *BOUNDS,
    }
)
# Coverage rates (`tco_*`), load factors (`tch_*`) and the unnamed columns ODRE adds at times (`column_68`).
_IGNORED_FIELD = re.compile(r'(tco_|tch_)[a-z_]+|column_[0-9]+')


@dataclass(frozen=True)
class RegionalQuarterHour:
    """One region's published figures for one quarter-hour, in MW."""

    region: str  # a slug of REGIONS
    start: datetime  # UTC
    day: date  # Paris
    slot: int  # Paris wall-clock slot
    production: Mapping[str, float]  # fuel -> MW, only the fuels published
    consumption: float
    exchange_balance: float | None  # positive when the region imports
    pumping: float | None  # power drawn by pumped storage, positive


@dataclass(frozen=True)
class RegionalAnswer:
    quarter_hours: tuple[RegionalQuarterHour, ...]  # in (start, region) order
    unknown_regions: frozenset[str] = frozenset()  # codes (and names) not in REGIONS, at most MAX_NAMES
    unknown_region_records: int = 0  # records of those regions, all of them counted
    unknown_fields: frozenset[str] = frozenset()  # fields neither read nor known to be ignored, at most MAX_NAMES
    problems: list[str] = field(default_factory=list, compare=False)  # capped at MAX_PROBLEMS

    def latest(self):
        """The latest usable quarter-hour of each region present: {slug: RegionalQuarterHour}."""
        return {quarter_hour.region: quarter_hour for quarter_hour in self.quarter_hours}


def parse(body, *, now, max_bytes=MAX_BYTES):
    """Parse a `records` answer of `eco2mix-regional-tr`. Quarter-hours ending after `now` (an aware datetime)
    plus CLOCK_TOLERANCE are not data. Raises FeedError, and nothing else, for a body that is not an answer."""
    records = load_records(body, max_bytes, DATASET)
    latest_end = now.astimezone(UTC) + CLOCK_TOLERANCE
    problems = []
    unknown_regions, unknown_fields = set(), set()
    unknown_region_records = 0
    quarter_hours = {}
    for position, record in enumerate(records):
        if not isinstance(record, dict):
            note(problems, f'record #{position} is not an object')
            continue
        for name in record:
            if name not in _KNOWN_FIELDS and not _IGNORED_FIELD.fullmatch(name):
                remember(unknown_fields, name)
        region = _region_of(record)
        if region is None:
            unknown_region_records += 1
            remember(unknown_regions, _region_name(record))
            continue
        placement = place(record, position, problems)
        if placement is None:
            continue
        where = f'{region.slug} {placement.label}'
        values, refused = _values(record, where, problems)
        if not values and not refused:
            continue  # not published yet: ODRE lists the rest of the day with nulls
        if placement.end > latest_end:
            note(problems, f'{where}: the quarter-hour ends after now ({now:%Y-%m-%d %H:%M %Z}): not data')
            continue
        if refused or CONSUMPTION not in values:
            continue
        key = (placement.start, region.slug)
        if key in quarter_hours:
            note(problems, f'{where}: the quarter-hour appears twice; the first one is used')
            continue
        quarter_hours[key] = RegionalQuarterHour(
            region=region.slug,
            start=placement.start,
            day=placement.day,
            slot=placement.slot,
            production={fuel: values[name] for name, fuel in FUELS.items() if name in values},
            consumption=values[CONSUMPTION],
            exchange_balance=values.get(EXCHANGE),
            pumping=0.0 - values[PUMPING] if PUMPING in values else None,  # 0.0 - x: no pumping is 0, not -0
        )
    return RegionalAnswer(
        quarter_hours=tuple(quarter_hours[key] for key in sorted(quarter_hours)),
        unknown_regions=frozenset(unknown_regions),
        unknown_region_records=unknown_region_records,
        unknown_fields=frozenset(unknown_fields),
        problems=problems,
    )


def _region_of(record):
    code = record.get('code_insee_region')
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code) if 0 <= code < 100 else None
    return REGIONS.get(code.strip()) if isinstance(code, str) else None


def _region_name(record):
    code, name = record.get('code_insee_region'), record.get('libelle_region')
    text = code if isinstance(code, str) else shown(code)
    return f'{text} ({printable(name, 40)})' if isinstance(name, str) else printable(text)


def _values(record, where, problems):
    """({field: value} of the plausible values published, whether one was implausible), problems noted."""
    values = {}
    refused = False
    for name, bounds in BOUNDS.items():
        raw = record.get(name)
        value = feed_number(raw)
        if value is None:
            continue
        if value is UNREADABLE:
            note(problems, f'{where}: {name} {shown(raw)} is not a number')
        elif value not in bounds:
            note(problems, f'{where}: {name} {value:g} is outside its plausible range {bounds}: quarter-hour refused')
            refused = True
        else:
            values[name] = value
    return values, refused
