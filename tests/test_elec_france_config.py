"""Every option checked once, for type, finiteness and range, with an error naming it (issue 10, item 11), and
never with a URL's userinfo in the error (item 5)."""

import pytest
from datadog_checks.base import ConfigurationError

from datadog_exercise.eco2mix.regional import SLUGS
from datadog_exercise.elec_france.check import ElecFranceCheck
from datadog_exercise.elec_france.config import Endpoint, parse_config

from feedserver import FeedServer
from support import NATIONAL_ONLY

SECRET = 's3cr3t'
REGIONS_ERROR = '`regions` must be `all` or a list of regions among ile_de_france, centre_val_de_loire'
WRONG = {
    'timeout .nan': ({'timeout': float('nan')}, '`timeout` must be a number of seconds greater than 0 and at most 60'),
    'timeout .inf': ({'timeout': float('inf')}, '`timeout` must be a number of seconds greater than 0 and at most 60'),
    'timeout -.inf': ({'timeout': float('-inf')}, '`timeout` must be a number of seconds greater than 0'),
    'timeout 1e300': (
        {'timeout': 1e300},
        '`timeout` must be a number of seconds greater than 0 and at most 60, got 1e+300',
    ),
    'timeout 10**400': (
        {'timeout': 10**400},
        '`timeout` must be a number of seconds greater than 0 and at most 60, got an integer',
    ),
    'timeout true': (
        {'timeout': True},
        '`timeout` must be a number of seconds greater than 0 and at most 60, got True',
    ),
    'timeout text': (
        {'timeout': '10'},
        "`timeout` must be a number of seconds greater than 0 and at most 60, got '10'",
    ),
    'timeout 0': ({'timeout': 0}, '`timeout` must be a number of seconds greater than 0 and at most 60, got 0'),
    'max_data_age .nan': ({'max_data_age': float('nan')}, '`max_data_age` must be a whole number of seconds'),
    'max_data_age 1e300': ({'max_data_age': 1e300}, '`max_data_age` must be a whole number of seconds'),
    'max_data_age 10**400': (
        {'max_data_age': 10**400},
        '`max_data_age` must be a whole number of seconds greater than 0 and at most 604800, '
        'got an integer of 1329 bits',
    ),
    'max_data_age 8 days': (
        {'max_data_age': 8 * 86400},
        '`max_data_age` must be a whole number of seconds greater than 0 and at most 604800, got 691200',
    ),
    'eco2mix_url broken IPv6': (
        {'eco2mix_url': 'http://[::1/x'},
        "`eco2mix_url` must be an http(s) URL, got 'http://[::1/x' (Invalid IPv6 URL)",
    ),
    'eco2mix_url port 99999': (
        {'eco2mix_url': 'http://host:99999/x'},
        "`eco2mix_url` must be an http(s) URL, got 'http://host:99999/x' (Port out of range 0-65535)",
    ),
    'eco2mix_url port text': (
        {'eco2mix_url': 'http://host:port/x'},
        "`eco2mix_url` must be an http(s) URL, got 'http://host:port/x'",
    ),
    'eco2mix_url no host': ({'eco2mix_url': 'http:///x'}, "`eco2mix_url` must be an http(s) URL, got 'http:///x'"),
    'eco2mix_url space': (
        {'eco2mix_url': 'http://ho st/'},
        '`eco2mix_url` must be an http(s) URL of at most 2048 printable characters',
    ),
    'eco2mix_url control character': (
        {'eco2mix_url': 'http://host/\x00'},
        '`eco2mix_url` must be an http(s) URL of at most 2048',
    ),
    'eco2mix_url too long': (
        {'eco2mix_url': 'http://host/' + 'x' * 3000},
        '`eco2mix_url` must be an http(s) URL of at most 2048',
    ),
    'odre_url a number': ({'odre_url': 12}, '`odre_url` must be an http(s) URL, got 12'),
    'odre_url file': (
        {'odre_url': 'file:///etc/passwd'},
        "`odre_url` must be an http(s) URL, got 'file:///etc/passwd'",
    ),
    'source a list': ({'source': ['auto']}, '`source` must be one of auto, eco2mix, odre, got a list'),
    'clock a mapping': (
        {'clock': {}},
        '`clock` must be one of host, document, or a date and time with its UTC offset '
        '(e.g. 2023-09-22T00:21:09+00:00: a replay run as at its recording), got a dict',
    ),
    'clock without an offset': ({'clock': '2023-09-22T00:21:09'}, '`clock` must be one of host, document, or a date'),
    'cross_check text': ({'cross_check': 'yes'}, "`cross_check` must be true or false, got 'yes'"),
    'cross_check with source odre': (
        {'source': 'odre', 'cross_check': True},
        '`cross_check` compares éCO2mix with ODRE: with `source: odre` éCO2mix is never read; '
        'set `source: auto` (or `eco2mix`), or `cross_check: false`',
    ),
    'label_overrides a list': (
        {'label_overrides': ['Solde']},
        '`label_overrides` must map éCO2mix labels to a series, or to {granularite code: series}, got a list',
    ),
    'label_overrides to an unknown series': (
        {'label_overrides': {'Ech. physiques': 'imports'}},
        "`label_overrides` maps 'Ech. physiques' to 'imports', which is not a series this check reads from éCO2mix; "
        'use one of bioenergy, bioenergy.bga|bma|dec, co2_intensity, coal, consumption, '
        'consumption_forecast.day_ahead|intraday, exchange, gas, gas.aut|ccg|cog|tac, hydro, '
        'hydro.lake|pumped_storage|run_of_river, nuclear, oil, oil.aut|cog|tac, pumping, solar, wind',
    ),
    'label_overrides to what only ODRE has': (
        {'label_overrides': {'Eolien offshore': 'wind.offshore'}},
        "`label_overrides` maps 'Eolien offshore' to 'wind.offshore', which is not a series",
    ),
    'label_overrides of a number': ({'label_overrides': {12: 'gas'}}, '`label_overrides`: 12 is not an éCO2mix label'),
    'label_overrides of an empty code': (
        {'label_overrides': {'Gaz': {'': 'gas.ccg'}}},
        "`label_overrides`: 'Gaz' has '' as a granularite code (text of 1 to 20 printable characters expected)",
    ),
    'label_overrides of a breakdown to nothing': (
        {'label_overrides': {'Gaz': {'CCG2': None}}},
        "`label_overrides` maps 'Gaz' ('CCG2') to None, which is not a series",
    ),
    'label_overrides to an empty mapping': (
        {'label_overrides': {'Gaz': {}}},
        "`label_overrides` maps 'Gaz' to a dict, which is not a series",
    ),
    'label_overrides of too many rows': (
        {'label_overrides': {f'L{n}': 'gas' for n in range(51)}},
        '`label_overrides` may remap at most 50 rows',
    ),
    'co2 text': ({'co2': 'true'}, "`co2` must be true or false, got 'true'"),
    'tags of numbers': ({'tags': [1]}, '`tags` must be a list of strings, got a list'),
    'forecasts text': ({'forecasts': 'yes'}, "`forecasts` must be true or false, got 'yes'"),
    'grid_details 1': ({'grid_details': 1}, '`grid_details` must be true or false, got 1'),
    'prices null': ({'prices': None}, '`prices` must be true or false, got None'),
    'regions true': (
        {'regions': True},
        REGIONS_ERROR,
    ),
    'regions a slug alone': (
        {'regions': 'bretagne'},
        REGIONS_ERROR,
    ),
    'regions Corsica': ({'regions': ['bretagne', 'corse']}, '`regions` must be `all` or a list of regions'),
    'regions a number': ({'regions': [53]}, '`regions` must be `all` or a list of regions'),
    'regions a name': ({'regions': ['Bretagne']}, '`regions` must be `all` or a list of regions'),
    'market_url ftp': ({'market_url': 'ftp://rte/x'}, "`market_url` must be an http(s) URL, got 'ftp://rte/x'"),
    'odre_regional_url none': ({'odre_regional_url': None}, '`odre_regional_url` must be an http(s) URL, got None'),
    'a long value': (
        {'source': 'x' * 10_000},
        "`source` must be one of auto, eco2mix, odre, got '" + 'x' * 40 + "'...",
    ),
}


@pytest.mark.parametrize('options, message', WRONG.values(), ids=WRONG.keys())
def test_a_wrong_option_is_an_error_run_naming_it_before_any_request(options, message, dd_run_check, datadog_agent):
    with FeedServer() as server:
        instance = {'eco2mix_url': server.eco2mix_url, 'odre_url': server.odre_url, **NATIONAL_ONLY, **options}
        check = ElecFranceCheck('elec_france', {}, [instance])

        with pytest.raises(Exception) as error:
            dd_run_check(check, extract_message=True)

        assert str(error.value).startswith(message), str(error.value)
        assert len(str(error.value)) < 400
        assert server.requests == []


@pytest.mark.parametrize(
    'url',
    [
        f'ftp://user:{SECRET}@host/x',
        f'http://user:{SECRET}@[::1/x',
        f'http://user:{SECRET}@host:99999/x',
        f'http://user:{SECRET}@/x',
        f'http://user:{SECRET}@host/ x',
    ],
)
def test_a_wrong_url_is_named_without_its_userinfo(url, dd_run_check, datadog_agent):
    check = ElecFranceCheck('elec_france', {}, [{'eco2mix_url': url, **NATIONAL_ONLY}])

    with pytest.raises(Exception) as error:
        dd_run_check(check, extract_message=True)

    assert str(error.value).startswith('`eco2mix_url` must be an http(s) URL')
    assert SECRET not in str(error.value) and 'user' not in str(error.value)


def test_a_url_userinfo_becomes_basic_auth_and_leaves_the_url():
    config = parse_config({'eco2mix_url': f'https://rte%40user:{SECRET}%3A@eco2mix.example:8443/curves?x=1'})

    assert config.eco2mix == Endpoint('https://eco2mix.example:8443/curves?x=1', ('rte@user', f'{SECRET}:'))
    assert config.odre.auth is None


def test_a_wrong_region_is_named_with_every_region_the_check_knows():
    with pytest.raises(ConfigurationError) as error:
        parse_config({'regions': ['bretagne', 'corse']})

    assert str(error.value) == (
        '`regions` must be `all` or a list of regions among ile_de_france, centre_val_de_loire, '
        'bourgogne_franche_comte, normandie, hauts_de_france, grand_est, pays_de_la_loire, bretagne, '
        "nouvelle_aquitaine, occitanie, auvergne_rhone_alpes, provence_alpes_cote_d_azur; got 'corse', not a region"
    )


@pytest.mark.parametrize(
    'regions, slugs',
    [(None, ()), ([], ()), ('all', SLUGS), (['bretagne', 'normandie', 'bretagne'], ('bretagne', 'normandie'))],
)
def test_regions_are_off_by_default_all_or_a_list_each_once(regions, slugs):
    instance = {} if regions is None else {'regions': regions}

    assert parse_config(instance).regions == slugs


def test_the_new_options_default_to_forecasts_details_and_prices_without_regions():
    config = parse_config({})

    assert (config.forecasts, config.grid_details, config.prices, config.regions) == (True, True, True, ())


@pytest.mark.parametrize('timeout', [0.001, 1, 2.5, 60])
def test_the_timeout_range_is_open_at_zero_and_closed_at_a_minute(timeout):
    assert parse_config({'timeout': timeout}).timeout == timeout
