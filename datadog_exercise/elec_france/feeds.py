"""Every request the check sends, built in one place: which endpoint, which parameters, how many bytes at most.

The check asks these feeds (`request` builds one, `requests` all that a configuration uses; when: policy.py):

- `eco2mix_mix`: RTE's éCO2mix XML, `type=mix`, yesterday and today; each quarter-hour.
- `eco2mix_co2`: the same, `type=co2` (option `co2`); each half-hour.
- `odre`: ODRE's national records, newest first: the national mix with `source: odre`, or when éCO2mix fails
  with `source: auto` (each quarter-hour); and once an hour for the borders, batteries and wind split
  (`grid_details`) and the comparison of éCO2mix with ODRE (`cross_check`): one request for both. All are the
  same request.
- `odre_regional`: ODRE's regional records, newest first (`regions`); once an hour.
- `market`: RTE's day-ahead prices, today and tomorrow (`prices`); once a day, after the auction.

Days are Paris days. A command that records the feeds' answers sends exactly what the check sends.
Nothing here needs the Agent's base package: `check --replay DIR` reads recordings before the runner loads it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from datadog_exercise.eco2mix.consistency import ODRE_WINDOW
from datadog_exercise.eco2mix.regional import SLUGS
from datadog_exercise.eco2mix.slots import PARIS, paris_day

ECO2MIX_MIX = 'eco2mix_mix'
ECO2MIX_CO2 = 'eco2mix_co2'
ODRE = 'odre'
ODRE_REGIONAL = 'odre_regional'
MARKET = 'market'

ODRE_ROWS = ODRE_WINDOW  # two hours of quarter-hours, newest first: what the cross-check compares
REGIONAL_ROWS = 8 * len(SLUGS)  # the same two hours for each region (ODRE's `limit` is at most 100)
# Bytes one fetch may receive, headers included, about ten times a normal answer: a two-day éCO2mix answer is
# about 100 KB, eight national ODRE records about 8 KB, 96 regional records about 100 KB, two days of prices
# 20 KB (80 KB in quarter-hours). The cap is the memory ceiling too: lxml's tree of a 1 MiB body is 35 MiB.
MAX_BYTES = {
    ECO2MIX_MIX: 1024 * 1024,
    ECO2MIX_CO2: 1024 * 1024,
    ODRE: 256 * 1024,
    ODRE_REGIONAL: 1024 * 1024,
    MARKET: 1024 * 1024,
}
WHAT = {
    ECO2MIX_MIX: 'éCO2mix type=mix',
    ECO2MIX_CO2: 'éCO2mix type=co2',
    ODRE: 'ODRE',
    ODRE_REGIONAL: 'ODRE regional',
    MARKET: 'éCO2mix market prices',
}


@dataclass(frozen=True)
class Endpoint:
    """Where a feed is asked (config.py builds it from the instance's URL options)."""

    url: str  # without userinfo: it never reaches a message or a log
    auth: tuple[str, str] | None = None  # the URL's `user:password@`, sent as HTTP basic auth


@dataclass(frozen=True)
class Request:
    feed: str
    endpoint: Endpoint
    params: dict
    max_bytes: int

    @property
    def what(self):
        """How messages name the feed."""
        return WHAT[self.feed]


def request(feed, config, now):
    """The request for `feed` at `now` (epoch seconds) under `config`."""
    today = paris_day(datetime.fromtimestamp(now, PARIS))
    if feed in (ECO2MIX_MIX, ECO2MIX_CO2):
        endpoint = config.eco2mix
        params = {
            'type': 'mix' if feed == ECO2MIX_MIX else 'co2',
            'dateDeb': f'{today - timedelta(days=1):%d/%m/%Y}',
            'dateFin': f'{today:%d/%m/%Y}',
            'mode': 'NORM',
        }
    elif feed in (ODRE, ODRE_REGIONAL):
        endpoint = config.odre if feed == ODRE else config.odre_regional
        params = {
            'order_by': 'date_heure desc',
            'limit': ODRE_ROWS if feed == ODRE else REGIONAL_ROWS,
            'where': 'consommation is not null',
            'timezone': 'Europe/Paris',
        }
    elif feed == MARKET:
        endpoint = config.market
        params = {'dateDeb': f'{today:%d/%m/%Y}', 'dateFin': f'{today + timedelta(days=1):%d/%m/%Y}', 'mode': 'NORM'}
    else:
        raise ValueError(f'unknown feed {feed!r}')
    return Request(feed, endpoint, params, MAX_BYTES[feed])


def national_feeds(config):
    """The feeds that serve the national mix, in the order they are tried."""
    feeds = {'auto': (ECO2MIX_MIX, ODRE), 'eco2mix': (ECO2MIX_MIX,), 'odre': (ODRE,)}[config.source]
    return feeds


def scheduled_feeds(config):
    """The feeds fetched on their own schedule (policy.py), besides the national mix and its CO2."""
    feeds = []
    # With `source: odre` every national fetch is an ODRE answer already: it carries the details too (and there
    # is no éCO2mix answer to compare it with).
    if (config.grid_details or config.cross_check) and config.source != 'odre':
        feeds.append(ODRE)
    if config.regions:
        feeds.append(ODRE_REGIONAL)
    if config.prices:
        feeds.append(MARKET)
    return tuple(feeds)


def requests(config, now):
    """Every request `config` makes the check send, each feed once."""
    feeds = [*national_feeds(config)]
    if config.co2 and config.source != 'odre':
        feeds.append(ECO2MIX_CO2)
    feeds += [feed for feed in scheduled_feeds(config) if feed not in feeds]
    return [request(feed, config, now) for feed in feeds]
