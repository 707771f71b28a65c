"""Who calls the API and where: DD_API_KEY, DD_APP_KEY, DD_SITE, and DD_API_URL for a stand-in.

The keys are only ever put into request headers: they are kept out of reprs, messages and logs.
"""

import os
import re
from dataclasses import dataclass, field

from .errors import AsCodeError

# Each Datadog site and the address of its web app; its API is at https://api.<site>.
SITES = {
    'datadoghq.com': 'https://app.datadoghq.com',
    'us3.datadoghq.com': 'https://us3.datadoghq.com',
    'us5.datadoghq.com': 'https://us5.datadoghq.com',
    'datadoghq.eu': 'https://app.datadoghq.eu',
    'ap1.datadoghq.com': 'https://ap1.datadoghq.com',
    'ap2.datadoghq.com': 'https://ap2.datadoghq.com',
    'ddog-gov.com': 'https://app.ddog-gov.com',
}
DEFAULT_SITE = 'datadoghq.com'

# The user name and password part of a URL (`https://user:password@host`), with or without a scheme.
USERINFO = re.compile(r'^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)?[^/?#]*@')


class SettingsError(AsCodeError):
    """An environment variable is missing or wrong; the message says which and what to set."""


@dataclass(frozen=True)
class Connection:
    site: str
    api_url: str
    api_key: str = field(repr=False)
    app_key: str = field(repr=False)

    @property
    def app_url(self):
        return SITES[self.site]


def without_userinfo(url):
    """`url` as messages may show it: never with a user name or password."""
    return USERINFO.sub(lambda match: match['scheme'] or '', url, count=1)


def from_environment(environ=os.environ):
    site = environ.get('DD_SITE', '').strip() or DEFAULT_SITE
    if site not in SITES:
        raise SettingsError(f'DD_SITE={site} is not a Datadog site: set it to one of {", ".join(SITES)}.')
    api_url = environ.get('DD_API_URL', '').strip().rstrip('/') or f'https://api.{site}'
    if not api_url.startswith(('https://', 'http://')):
        raise SettingsError(
            f'DD_API_URL={without_userinfo(api_url)} is not an http(s) URL: unset it to use https://api.{site}.'
        )
    if without_userinfo(api_url) != api_url:
        raise SettingsError(
            f'DD_API_URL={without_userinfo(api_url)} carries a user name or password: remove them; '
            'the keys go in DD_API_KEY and DD_APP_KEY.'
        )
    api_key = environ.get('DD_API_KEY', '').strip()
    if not api_key:
        raise SettingsError(
            'DD_API_KEY is not set: export an API key of your Datadog organisation (Organization Settings > API Keys).'
        )
    app_key = environ.get('DD_APP_KEY', '').strip()
    if not app_key:
        raise SettingsError(
            'DD_APP_KEY is not set: export an application key (Organization Settings > Application Keys) '
            'of a user who may write dashboards, monitors and downtimes.'
        )
    return Connection(site=site, api_url=api_url, api_key=api_key, app_key=app_key)
