"""The one translation table from RTE's French labels to the domain's names.

A series is identified by a `SeriesKey`: the series name and its qualifier: for a fuel's
sub-technology rows the technology, for a commercial exchange the border, for a consumption
forecast its horizon; `None` for a total (`granularite='Global'`). Totals are never rebuilt from
sub-rows: RTE's sub-rows do not always add up to the published total.
"""

import functools
from typing import NamedTuple


class SeriesKey(NamedTuple):
    series: str
    qualifier: str | None = None


FUELS = ('nuclear', 'coal', 'gas', 'oil', 'hydro', 'wind', 'solar', 'bioenergy')
RENEWABLE_FUELS = ('hydro', 'wind', 'solar', 'bioenergy')
LOW_CARBON_FUELS = (*RENEWABLE_FUELS, 'nuclear')

PUMPING = SeriesKey('pumping')
EXCHANGE = SeriesKey('exchange')
CONSUMPTION = SeriesKey('consumption')
CO2_INTENSITY = SeriesKey('co2_intensity')

# A quarter-hour is published in full when every one of these has a value.
CORE_SERIES = (*(SeriesKey(fuel) for fuel in FUELS), PUMPING, EXCHANGE, CONSUMPTION)

# Consumption forecasts, made the day before and during the day: both feeds publish them for every
# quarter-hour of the day, ahead of time.
FORECASTS = (SeriesKey('consumption_forecast', 'day_ahead'), SeriesKey('consumption_forecast', 'intraday'))

# What only ODRE publishes nationally: the commercial exchange per border (positive when France imports,
# as the physical balance; published every half-hour), the batteries, and wind split by technology.
BORDERS = ('gb', 'es', 'it', 'ch', 'de_be')
COMMERCIAL_EXCHANGES = tuple(SeriesKey('commercial_exchange', border) for border in BORDERS)
BATTERY_CHARGING = SeriesKey('battery_charging')  # negative in the feed: power drawn
BATTERY_DISCHARGING = SeriesKey('battery_discharging')
WIND_SPLIT = (SeriesKey('wind', 'onshore'), SeriesKey('wind', 'offshore'))
DETAIL_SERIES = (*COMMERCIAL_EXCHANGES, BATTERY_CHARGING, BATTERY_DISCHARGING, *WIND_SPLIT)

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

# `v` attribute of the forecast rows (total rows only), in both spellings seen.
XML_FORECASTS = {
    'PrévisionJ-1': FORECASTS[0],
    'Prévision J-1': FORECASTS[0],
    'PrévisionJ': FORECASTS[1],
    'Prévision J': FORECASTS[1],
}

# Labels the feed is known to carry and the check does not report: not worth a warning.
XML_IGNORED = frozenset({'Pointe', 'Fioul + Pointe'})

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
    'prevision_j1': FORECASTS[0],
    'prevision_j': FORECASTS[1],
    'ech_comm_angleterre': SeriesKey('commercial_exchange', 'gb'),
    'ech_comm_espagne': SeriesKey('commercial_exchange', 'es'),
    'ech_comm_italie': SeriesKey('commercial_exchange', 'it'),
    'ech_comm_suisse': SeriesKey('commercial_exchange', 'ch'),
    'ech_comm_allemagne_belgique': SeriesKey('commercial_exchange', 'de_be'),
    'stockage_batterie': BATTERY_CHARGING,
    'destockage_batterie': BATTERY_DISCHARGING,
    'eolien_terrestre': WIND_SPLIT[0],
    'eolien_offshore': WIND_SPLIT[1],
}


# ODRE fields that are not series.
ODRE_IGNORED = frozenset({'perimetre', 'nature', 'date', 'heure', 'date_heure'})


# Every series a snapshot can hold.
KNOWN_SERIES = frozenset({*CORE_SERIES, CO2_INTENSITY, *BREAKDOWN_SERIES, *FORECASTS, *DETAIL_SERIES})


@functools.lru_cache(maxsize=256)
def xml_series_key(label, granularity):
    """The key of an XML `<type v=... granularite=...>` row, or None for a row the tables do not know."""
    total = granularity in (None, '', XML_TOTAL_ROW)
    if label in XML_FORECASTS:
        return XML_FORECASTS[label] if total else None
    series = XML_SERIES.get(label)
    if series is None:
        return None
    if total:
        return SeriesKey(series)
    technology = XML_TECHNOLOGIES.get(series, {}).get(granularity.upper())
    return SeriesKey(series, technology) if technology else None


def feed_label(feed, key):
    """The feed's own name of a series, for messages: its ODRE field, or its (first) XML label."""
    if feed == 'odre':
        return next((field for field, known in ODRE_FIELDS.items() if known == key), None)
    if key.qualifier is not None:
        return next((label for label, known in XML_FORECASTS.items() if known == key), None)
    return next((label for label, series in XML_SERIES.items() if series == key.series), None)
