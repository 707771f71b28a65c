"""The one translation table from RTE's French labels to the domain's names.

A series is identified by a `SeriesKey`: the series name and, for sub-technology rows, the
technology (`None` for the `granularite='Global'` total row). Totals are never rebuilt from
sub-rows: RTE's sub-rows do not always add up to the published total.
"""

import functools
from typing import NamedTuple


class SeriesKey(NamedTuple):
    series: str
    technology: str | None = None


FUELS = ('nuclear', 'coal', 'gas', 'oil', 'hydro', 'wind', 'solar', 'bioenergy')
RENEWABLE_FUELS = ('hydro', 'wind', 'solar', 'bioenergy')
LOW_CARBON_FUELS = (*RENEWABLE_FUELS, 'nuclear')

PUMPING = SeriesKey('pumping')
EXCHANGE = SeriesKey('exchange')
CONSUMPTION = SeriesKey('consumption')
CO2_INTENSITY = SeriesKey('co2_intensity')

# A quarter-hour is published in full when every one of these has a value.
CORE_SERIES = (*(SeriesKey(fuel) for fuel in FUELS), PUMPING, EXCHANGE, CONSUMPTION)

# `v` attribute of the XML feed -> series.
XML_SERIES = {
    'Nucléaire': 'nuclear',
    'Charbon': 'coal',
    'Gaz': 'gas',
    'Fioul': 'oil',  # heating oil, not "fuel"
    'Hydraulique': 'hydro',
    'Eolien': 'wind',
    'Solaire': 'solar',
    'Autres': 'bioenergy',
    'Bioénergies': 'bioenergy',
    'Pompage': 'pumping',  # negative in the feed: power drawn by the pumps
    'Solde': 'exchange',  # positive: France imports
    'Consommation': 'consumption',
    'Taux de Co2': 'co2_intensity',  # gCO2/kWh, from `type=co2`
}

# Labels the feed is known to carry and the check does not report: not worth a warning.
XML_IGNORED = frozenset({'Pointe', 'Fioul + Pointe', 'PrévisionJ', 'PrévisionJ-1', 'Prévision J', 'Prévision J-1'})

XML_TOTAL_ROW = 'Global'

# `granularite` codes of each fuel's breakdown rows -> the `technology` tag. Only these become tags:
# a code the table does not know is an unknown row, so a feed cannot mint metric series.
XML_TECHNOLOGIES = {
    'hydro': {'FEE': 'run_of_river', 'LAC': 'lake', 'STT': 'pumped_storage'},
    'gas': {'TAC': 'tac', 'COG': 'cog', 'CCG': 'ccg', 'AUT': 'aut'},
    'oil': {'TAC': 'tac', 'COG': 'cog', 'AUT': 'aut'},
    'bioenergy': {'DEC': 'dec', 'BMA': 'bma', 'BGA': 'bga'},
}
BREAKDOWN_SERIES = frozenset(
    SeriesKey(series, technology) for series, codes in XML_TECHNOLOGIES.items() for technology in codes.values()
)

# ODRE open-data fields -> the same keys, so that both feeds report the same metrics.
# Only breakdowns whose XML code is known are mapped (wind's onshore/offshore split is not).
ODRE_FIELDS = {
    'nucleaire': SeriesKey('nuclear'),
    'charbon': SeriesKey('coal'),
    'gaz': SeriesKey('gas'),
    'fioul': SeriesKey('oil'),
    'hydraulique': SeriesKey('hydro'),
    'eolien': SeriesKey('wind'),
    'solaire': SeriesKey('solar'),
    'bioenergies': SeriesKey('bioenergy'),
    'pompage': PUMPING,
    'ech_physiques': EXCHANGE,
    'consommation': CONSUMPTION,
    'taux_co2': CO2_INTENSITY,
    'hydraulique_fil_eau_eclusee': SeriesKey('hydro', 'run_of_river'),
    'hydraulique_lacs': SeriesKey('hydro', 'lake'),
    'hydraulique_step_turbinage': SeriesKey('hydro', 'pumped_storage'),
    'gaz_tac': SeriesKey('gas', 'tac'),
    'gaz_cogen': SeriesKey('gas', 'cog'),
    'gaz_ccg': SeriesKey('gas', 'ccg'),
    'gaz_autres': SeriesKey('gas', 'aut'),
    'fioul_tac': SeriesKey('oil', 'tac'),
    'fioul_cogen': SeriesKey('oil', 'cog'),
    'fioul_autres': SeriesKey('oil', 'aut'),
    'bioenergies_dechets': SeriesKey('bioenergy', 'dec'),
    'bioenergies_biomasse': SeriesKey('bioenergy', 'bma'),
    'bioenergies_biogaz': SeriesKey('bioenergy', 'bga'),
}


# ODRE fields that are not series, or series the check does not report.
ODRE_IGNORED = frozenset(
    {
        'perimetre',
        'nature',
        'date',
        'heure',
        'date_heure',
        'prevision_j',
        'prevision_j1',
        'eolien_terrestre',
        'eolien_offshore',
        'stockage_batterie',
        'destockage_batterie',
        'ech_comm_angleterre',
        'ech_comm_espagne',
        'ech_comm_italie',
        'ech_comm_suisse',
        'ech_comm_allemagne_belgique',
    }
)


# Every series a snapshot can hold.
KNOWN_SERIES = frozenset({*CORE_SERIES, CO2_INTENSITY, *BREAKDOWN_SERIES})


@functools.lru_cache(maxsize=256)
def xml_series_key(label, granularity):
    """The key of an XML `<type v=... granularite=...>` row, or None for a row the tables do not know."""
    series = XML_SERIES.get(label)
    if series is None:
        return None
    if granularity in (None, '', XML_TOTAL_ROW):
        return SeriesKey(series)
    technology = XML_TECHNOLOGIES.get(series, {}).get(granularity.upper())
    return SeriesKey(series, technology) if technology else None


def feed_label(feed, key):
    """The feed's own name of a series, for messages: its ODRE field, or its (first) XML label."""
    if feed == 'odre':
        return next((field for field, known in ODRE_FIELDS.items() if known == key), None)
    if key.technology is not None:
        return None
    return next((label for label, series in XML_SERIES.items() if series == key.series), None)
