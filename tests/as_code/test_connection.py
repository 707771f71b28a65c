"""Which API and web app each Datadog site uses, and where DD_API_URL points the client instead."""

import pytest

from datadog_exercise.as_code.connection import SettingsError, from_environment

KEYS = {'DD_API_KEY': 'an-api-key', 'DD_APP_KEY': 'an-app-key'}


@pytest.mark.parametrize(
    ('site', 'api_url', 'app_url'),
    [
        ('datadoghq.com', 'https://api.datadoghq.com', 'https://app.datadoghq.com'),
        ('us3.datadoghq.com', 'https://api.us3.datadoghq.com', 'https://us3.datadoghq.com'),
        ('us5.datadoghq.com', 'https://api.us5.datadoghq.com', 'https://us5.datadoghq.com'),
        ('datadoghq.eu', 'https://api.datadoghq.eu', 'https://app.datadoghq.eu'),
        ('ap1.datadoghq.com', 'https://api.ap1.datadoghq.com', 'https://ap1.datadoghq.com'),
        ('ap2.datadoghq.com', 'https://api.ap2.datadoghq.com', 'https://ap2.datadoghq.com'),
        ('ddog-gov.com', 'https://api.ddog-gov.com', 'https://app.ddog-gov.com'),
    ],
)
def test_each_site_has_its_api_and_web_app(site, api_url, app_url):
    connection = from_environment({'DD_SITE': site, **KEYS})

    assert (connection.api_url, connection.app_url) == (api_url, app_url)


def test_the_site_defaults_to_datadoghq_com():
    assert from_environment(KEYS).api_url == 'https://api.datadoghq.com'


def test_dd_api_url_replaces_the_sites_api_and_keeps_its_web_app():
    connection = from_environment({'DD_SITE': 'datadoghq.eu', 'DD_API_URL': 'http://127.0.0.1:8126/', **KEYS})

    assert (connection.api_url, connection.app_url) == ('http://127.0.0.1:8126', 'https://app.datadoghq.eu')


def test_the_keys_stay_out_of_the_connections_repr():
    text = repr(from_environment(KEYS))

    assert 'an-api-key' not in text
    assert 'an-app-key' not in text


def test_dd_api_url_must_be_an_http_url():
    with pytest.raises(SettingsError) as refused:
        from_environment({'DD_API_URL': '127.0.0.1:8080', **KEYS})

    assert str(refused.value) == (
        'DD_API_URL=127.0.0.1:8080 is not an http(s) URL: unset it to use https://api.datadoghq.com.'
    )


@pytest.mark.parametrize(
    ('url', 'shown'),
    [
        ('https://alice:s3cret@proxy.example.com:8443', 'https://proxy.example.com:8443'),
        ('http://token@127.0.0.1:8080/', 'http://127.0.0.1:8080'),
    ],
)
def test_dd_api_url_with_a_user_or_password_is_refused_without_showing_them(url, shown):
    with pytest.raises(SettingsError) as refused:
        from_environment({'DD_API_URL': url, **KEYS})

    assert str(refused.value) == (
        f'DD_API_URL={shown} carries a user name or password: remove them; the keys go in DD_API_KEY and DD_APP_KEY.'
    )


def test_a_url_that_is_not_http_is_named_without_its_userinfo():
    with pytest.raises(SettingsError) as refused:
        from_environment({'DD_API_URL': 'alice:s3cret@proxy.example.com', **KEYS})

    assert str(refused.value) == (
        'DD_API_URL=proxy.example.com is not an http(s) URL: unset it to use https://api.datadoghq.com.'
    )
