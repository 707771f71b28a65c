"""GET one feed answer through the check's `self.http`, bounded in size and in time, as bytes."""

import time
from http import HTTPStatus
from urllib.parse import urlsplit

import requests
import urllib3

CHUNK = 64 * 1024


class FetchError(Exception):
    """The feed could not be read; `retry_after` is what the server asked for, in seconds."""

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


def get_body(http, url, params, timeout, max_bytes):
    """The body of a 200 answer. The whole answer must arrive within `timeout` seconds."""
    host = urlsplit(url).netloc
    deadline = time.monotonic() + timeout
    try:
        response = http.get(url, params=params, stream=True, timeout=timeout)
    except requests.Timeout:
        raise FetchError(f'{host} did not answer within {timeout:g} s') from None
    except requests.ConnectionError as error:
        raise FetchError(f'cannot connect to {host}: {_reason(error)}') from None
    except requests.RequestException as error:
        raise FetchError(f'request to {host} failed: {_reason(error)}') from None
    with response:
        if response.status_code != 200:
            retry_after = _retry_after(response)
            raise FetchError(_status_message(host, response.status_code, retry_after), retry_after)
        body = bytearray()
        try:
            # read1 returns as soon as some bytes arrive, so that a server dripping its answer cannot hold
            # the check past the deadline (iter_content waits for whole chunks).
            while chunk := response.raw.read1(CHUNK, decode_content=True):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f'{host} sent more than {max_bytes} bytes; answer refused')
                if time.monotonic() > deadline:
                    raise FetchError(
                        f'{host} took more than {timeout:g} s to send its answer ({len(body)} bytes so far)'
                    )
        except urllib3.exceptions.ReadTimeoutError:
            raise FetchError(
                f'{host} stopped sending its answer for {timeout:g} s ({len(body)} bytes so far)'
            ) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise FetchError(f'{host} broke off its answer after {len(body)} bytes: {_reason(error)}') from None
    return bytes(body)


def _status_message(host, status, retry_after):
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ''
    message = f'{host} answered HTTP {status} {phrase}'.rstrip()
    return message + (f' (retry after {retry_after:g} s)' if retry_after else '')


def _retry_after(response):
    try:
        seconds = float(response.headers.get('Retry-After', ''))
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def _reason(error):
    """The useful part of a requests error: urllib3 wraps the socket error in a MaxRetryError."""
    cause = error.args[0] if error.args else error
    text = str(getattr(cause, 'reason', None) or cause)
    # Drop urllib3's "<...HTTPConnection object at 0x...>: " or "HTTPSConnection(host=..., port=...): " prefix.
    for marker in ('>: ', '): '):
        if text.startswith(('<', 'HTTP')) and marker in text:
            text = text.split(marker, 1)[1]
            break
    return text or type(error).__name__
