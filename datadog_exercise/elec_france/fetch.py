"""GET one feed answer: one deadline and one byte cap for the whole fetch.

Any feed uses it (éCO2mix, ODRE, the ones to come), through the check's `self.http` or, outside a
check (`datadog-exercise plot`), a plain transport.BudgetedSession. Within `timeout` seconds and
`max_bytes` bytes in all (transport.py counts every byte and second down to the socket):

- redirects are followed here, not by requests, which reads a redirect's whole body: at most
  MAX_REDIRECTS, on the same host only (so that no credential of the instance goes elsewhere), never
  from https to http, and a redirect's body is never read;
- the body is decompressed here (gzip or deflate, the only encodings asked for), never to more than
  `max_bytes`: a gzip bomb or a gzip header that never ends costs at most the cap and the deadline;
- a failure is a FetchError whose message names the host (never a URL's userinfo) and what went
  wrong, with the server's `Retry-After` when it sent one.
"""

import email.utils
import re
import zlib
from dataclasses import dataclass
from datetime import UTC
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from datadog_exercise.eco2mix.reading import excerpt, shown

from .transport import Budget, BudgetedSession, BudgetExceeded

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT_ENCODING = 'gzip, deflate'
CHUNK = 64 * 1024
MAX_LOCATION = 2048
_ENCODINGS = {'': None, 'identity': None, 'gzip': 16 + zlib.MAX_WBITS, 'x-gzip': 16 + zlib.MAX_WBITS}
_ENCODINGS['deflate'] = zlib.MAX_WBITS  # HTTP's "deflate" is the zlib format
_USERINFO = re.compile(r'(?<=//)[^/@\s]*@')
_CONNECTION_PREFIX = re.compile(r'^(<[^>]*>|\w*Connection\(host=[^)]*\)): ')


# The response headers `record` keeps: what says what the body is, when it was made, and what the server asked.
KEPT_HEADERS = (
    'Content-Type',
    'Content-Encoding',
    'Content-Length',
    'Date',
    'Last-Modified',
    'ETag',
    'Cache-Control',
    'Retry-After',
)
MAX_HEADER = 200  # characters of a kept header's value


class FetchError(Exception):
    """The feed could not be read. `retry_after` is what the server asked for: seconds, or an aware datetime;
    `status` the HTTP status of an answer refused for it."""

    def __init__(self, message, retry_after=None, status=None):
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


@dataclass(frozen=True)
class Answer:
    """A 200 answer: its body decompressed, and the headers of KEPT_HEADERS it had (values truncated)."""

    body: bytes
    status: int
    headers: dict


def get_body(http, url, params, timeout, max_bytes, auth=None):
    """The body of a 200 answer, decompressed. `http` is a RequestsWrapper on a transport.BudgetedSession, or a
    transport.BudgetedSession."""
    return get_answer(http, url, params, timeout, max_bytes, auth).body


def get_answer(http, url, params, timeout, max_bytes, auth=None):
    """The 200 answer, as get_body fetches it, with its status and kept headers."""
    return _Fetch(http, url, timeout, auth).run(params, max_bytes)


def budgeted_http(instance, init_config, log):
    """The Agent's requests wrapper, built from the instance as AgentCheck.http builds it (every proxy, TLS and auth
    option applies), on a session that holds each fetch to its budget (transport.py): the check's `self.http`, and
    what `record` and `doctor` fetch with, so that they send what the check sends."""
    # Imported here: `plot` fetches without the Agent's wrapper, and need not load the Agent's base package.
    from datadog_checks.base import AgentCheck
    from datadog_checks.base.utils.http import RequestsWrapper

    wrapper = RequestsWrapper(instance, init_config, AgentCheck.HTTP_CONFIG_REMAPPER, log, session=BudgetedSession())
    # Chasing a missing intermediate certificate (AIA) opens connections outside any budget: the chain comes from
    # `tls_ca_cert` or `tls_intermediate_ca_certs` instead.
    wrapper.aia_chasing_max_depth = 0
    return wrapper


def origin_of(url):
    """`host` or `host:port` of a URL: what messages name (never its userinfo)."""
    parts = urlsplit(url)
    host = parts.hostname or ''
    host = f'[{host}]' if ':' in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    return f'{host}:{port}' if port else host


def without_userinfo(text):
    """`text` with the `user:password@` of any URL in it removed (proxies' URLs appear in errors)."""
    return _USERINFO.sub('', text)


def parse_retry_after(value):
    """`Retry-After` (RFC 9110): delay-seconds as a float, an HTTP-date as an aware datetime, or None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
        return (when if when.tzinfo is not None else when.replace(tzinfo=UTC)).astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: a year 9999 date in UTC
        return None


def redirect_target(url, location, status):
    """The URL a redirect from `url` leads to, or FetchError when this fetch does not follow it there."""
    origin = origin_of(url)
    if location is None:
        raise FetchError(f'{origin} answered HTTP {status} without a Location')
    if len(location) > MAX_LOCATION or not location.isascii() or not location.isprintable() or ' ' in location:
        raise FetchError(f'{origin} answered HTTP {status} with an invalid Location ({len(location)} characters)')
    target = urljoin(url, location)
    here, there = urlsplit(url), urlsplit(target)
    try:
        there.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        raise FetchError(f'{origin} redirected to an invalid address') from None
    refusal = None
    if there.scheme not in ('http', 'https') or not there.hostname:
        refusal = 'an address that is not http(s)'
    elif there.username is not None or there.password is not None:
        refusal = 'an address with credentials'
    elif here.scheme == 'https' and there.scheme == 'http':
        refusal = f'plain http ({excerpt(there.hostname, 60)}), from https'
    elif there.hostname != here.hostname:
        refusal = (
            f'another host, {excerpt(there.hostname, 60)} (not followed: if the feed has moved, '
            f'put its new address in the configuration)'
        )
    if refusal:
        raise FetchError(f'{origin} redirected to {refusal}')
    return target


class _Fetch:
    def __init__(self, http, url, timeout, auth):
        self.http = http
        self.url = url
        self.origin = origin_of(url)
        self.timeout = timeout
        self.auth = auth
        self.answered = False  # the current hop's status line and headers have arrived
        self.redirects = 0
        self.follow = isinstance(http, requests.Session) or http.options.get('allow_redirects', True)

    def run(self, params, max_bytes):
        with Budget(self.timeout, max_bytes) as budget:
            try:
                return self._follow(params, budget)
            except BudgetExceeded:
                raise FetchError(self._overrun(budget)) from None
            except requests.Timeout:
                raise FetchError(self._late(budget)) from None
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as error:
                if budget.expired:
                    raise FetchError(self._late(budget)) from None
                if self.answered:
                    raise FetchError(
                        f'{self.origin} broke off its answer after {budget.received} bytes: {_reason(error)}'
                    ) from None
                if isinstance(error, requests.ConnectionError):
                    raise FetchError(f'cannot connect to {self.origin}: {_reason(error)}') from None
                raise FetchError(f'request to {self.origin} failed: {_reason(error)}') from None

    def _follow(self, params, budget):
        url = self.url
        for self.redirects in range(MAX_REDIRECTS + 1):
            budget.check_time()
            self.answered = False
            response = self._get(url, params, budget.remaining())
            self.answered = True
            with response:
                status = response.status_code
                if status in REDIRECT_STATUSES and self.follow:
                    url, params = redirect_target(url, response.headers.get('Location'), status), None
                    continue
                if status != 200:
                    retry_after = parse_retry_after(response.headers.get('Retry-After'))
                    raise FetchError(_status_message(self.origin, status, response.headers), retry_after, status)
                kept = {name: response.headers[name][:MAX_HEADER] for name in KEPT_HEADERS if name in response.headers}
                return Answer(self._body(response, budget), status, kept)
        raise FetchError(f'{self.origin} redirected more than {MAX_REDIRECTS} times')

    def _get(self, url, params, timeout):
        """One GET, its body streamed and a redirect not followed."""
        options = {'params': params, 'stream': True, 'allow_redirects': False, 'timeout': (timeout, timeout)}
        if self.auth:
            options['auth'] = self.auth
        if isinstance(self.http, requests.Session):
            return self.http.get(url, headers={'Accept-Encoding': ACCEPT_ENCODING}, **options)
        # persist: the wrapper's own session, the BudgetedSession; extra_headers: added to the instance's headers
        return self.http.get(url, persist=True, extra_headers={'Accept-Encoding': ACCEPT_ENCODING}, **options)

    def _body(self, response, budget):
        encoding = (response.headers.get('Content-Encoding') or '').strip().lower()
        if encoding not in _ENCODINGS:
            raise FetchError(f'{self.origin} sent its answer with Content-Encoding {shown(encoding)}, not asked for')
        declared = response.headers.get('Content-Length', '')
        if declared.isascii() and declared.isdigit() and len(declared) < 20 and int(declared) > budget.max_bytes:
            raise FetchError(f'{self.origin} announced {declared} bytes, more than the {budget.max_bytes}-byte limit')
        inflater = zlib.decompressobj(_ENCODINGS[encoding]) if _ENCODINGS[encoding] else None
        body = bytearray()
        try:
            while chunk := response.raw.read(CHUNK, decode_content=False):
                if inflater is not None:
                    # At most one byte past the cap: enough to know it is crossed, never a bomb's worth.
                    chunk = inflater.decompress(chunk, budget.max_bytes - len(body) + 1)
                    if inflater.unused_data:
                        raise FetchError(f'{self.origin} sent data after the end of its {encoding} body')
                body += chunk
                if len(body) > budget.max_bytes:
                    raise FetchError(f'{self.origin} sent more than {budget.max_bytes} bytes; answer refused')
        except zlib.error as error:
            raise FetchError(f'{self.origin} sent a {encoding} body that cannot be decompressed: {error}') from None
        if inflater is not None and not inflater.eof:
            raise FetchError(f'{self.origin} sent a {encoding} body that ends before its end')
        budget.check_time()  # an answer whose end came in after the deadline is late all the same
        return bytes(body)

    def _late(self, budget):
        after = f' (after {self.redirects} redirect(s))' if self.redirects else ''
        if not self.answered:
            return f'{self.origin} did not answer within {self.timeout:g} s{after}'
        return (
            f'{self.origin} took more than {self.timeout:g} s to send its answer{after} '
            f'({budget.received} bytes so far)'
        )

    def _overrun(self, budget):
        if budget.received > budget.max_bytes:
            return f'{self.origin} sent more than {budget.max_bytes} bytes; answer refused'
        return self._late(budget)


def _status_message(origin, status, headers):
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ''
    message = f'{origin} answered HTTP {status} {phrase}'.rstrip()
    retry_after = parse_retry_after(headers.get('Retry-After'))
    if isinstance(retry_after, float):
        message += f' (Retry-After: {retry_after:.0f} s)'
    elif retry_after is not None:
        message += f' (Retry-After: {retry_after:%Y-%m-%d %H:%M:%S} UTC)'
    return message


def _reason(error):
    """The useful part of a requests error: urllib3 wraps the socket error in a MaxRetryError."""
    cause = error.args[0] if error.args else error
    text = str(getattr(cause, 'reason', None) or cause)
    # Drop urllib3's "<...HTTPConnection object at 0x...>: " or "HTTPSConnection(host=..., port=...): " prefix.
    text = _CONNECTION_PREFIX.sub('', text)
    text = without_userinfo(' '.join(text.split()))
    return (text[:200] + '...' if len(text) > 200 else text) or type(error).__name__
