"""Every feed the check asks, fetched once and kept as it came (`datadog-exercise record`), and read back
(`check --replay DIR`, `plot --replay DIR`, `doctor --replay DIR`, the tests' recordings, and the one the package
ships: `--replay sample`, paths.SAMPLE_FOLDER).

A recording is a folder: each feed's body byte for byte as the check receives it (decompressed), under the
project's own file name for that feed (FILES), and `manifest.json`:

    {"format": 1, "recorded_at": "2023-09-22T00:21:09+00:00", "tool": "datadog-exercise 1.0.0",
     "feeds": [{"feed": "eco2mix_mix", "url": "https://...?type=mix&dateDeb=...", "requested_at": "...",
                "seconds": 0.41, "status": 200, "headers": {"Content-Type": "text/xml", ...},
                "file": "eco2mix_mix.xml", "bytes": 94019, "sha256": "..."},
               {"feed": "market", ..., "status": 503, "error": "eco2mix.rte-france.com answered HTTP 503 ..."}]}

The requests are the check's own (feeds.requests, the same configuration), fetched as the check fetches them
(fetch.get_answer: one deadline and one byte cap each); URLs carry no userinfo (config.py strips it).

A folder read back is hostile input: the manifest is bounded and checked field by field; a body is read from
the file name the project gives its feed, never from a path the manifest names, must be a regular file of the
folder (a symbolic link is refused), within its feed's byte cap, and of the manifest's size and sha256.
"""

import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

from datadog_exercise import __version__
from datadog_exercise.eco2mix.reading import MAX_INSTANT_TEXT, feed_instant, shown

from . import feeds
from .fetch import KEPT_HEADERS, MAX_HEADER, FetchError, get_answer

MANIFEST = 'manifest.json'
FORMAT = 1
MAX_MANIFEST = 64 * 1024
MAX_ERROR = 1000
MAX_URL = 4096  # a configured URL (2048 characters at most) and the parameters feeds.py adds
FILES = {
    feeds.ECO2MIX_MIX: 'eco2mix_mix.xml',
    feeds.ECO2MIX_CO2: 'eco2mix_co2.xml',
    feeds.ODRE: 'odre.json',
    feeds.ODRE_REGIONAL: 'odre_regional.json',
    feeds.MARKET: 'market.xml',
}
_SHA256 = frozenset('0123456789abcdef')


class RecordingError(Exception):
    """A recording that cannot be written or read back; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Fetched:
    """One feed's request and what came of it: a body, or the error that stopped it."""

    feed: str
    url: str  # with its parameters, without userinfo
    requested_at: datetime  # UTC
    seconds: float  # from the request to the last byte (or the failure)
    status: int | None  # None when no HTTP answer came
    headers: dict  # fetch.KEPT_HEADERS the answer had
    body: bytes | None
    error: str | None = None


@dataclass(frozen=True)
class Recording:
    recorded_at: datetime  # when the recording started: the instant a replay runs the check at
    fetched: tuple[Fetched, ...]

    def bodies(self):
        """{feed: body} of every feed that answered."""
        return {fetched.feed: fetched.body for fetched in self.fetched if fetched.body is not None}


def request_url(request):
    """The full URL of a request, parameters included, as requests sends it."""
    return requests.Request('GET', request.endpoint.url, params=request.params).prepare().url


def fetch_all(config, http, now, clock=time.time, timer=time.monotonic):
    """Every request `config` makes the check send at `now`, each fetched once as the check fetches it."""
    fetched = []
    for request in feeds.requests(config, now):
        requested_at = datetime.fromtimestamp(clock(), UTC)
        started = timer()
        endpoint = request.endpoint
        try:
            answer = get_answer(http, endpoint.url, request.params, config.timeout, request.max_bytes, endpoint.auth)
        except FetchError as error:
            outcome = {'status': error.status, 'headers': {}, 'body': None, 'error': str(error)[:MAX_ERROR]}
        else:
            outcome = {'status': answer.status, 'headers': answer.headers, 'body': answer.body}
        fetched.append(Fetched(request.feed, request_url(request), requested_at, timer() - started, **outcome))
    return fetched


def write(folder, recording):
    """Create `folder` (it must not exist) and save `recording` in it: each body, then the manifest."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        raise RecordingError(f'{folder} already exists: a recording is never overwritten') from None
    except OSError as error:
        raise RecordingError(f'cannot create {folder}: {error.strerror}') from None
    entries = []
    try:
        for fetched in recording.fetched:
            entry = {
                'feed': fetched.feed,
                'url': fetched.url,
                'requested_at': fetched.requested_at.isoformat(),
                'seconds': round(fetched.seconds, 3),
                'status': fetched.status,
                'headers': fetched.headers,
            }
            if fetched.body is None:
                entry['error'] = fetched.error
            else:
                with (folder / FILES[fetched.feed]).open('xb') as handle:
                    handle.write(fetched.body)
                entry |= {
                    'file': FILES[fetched.feed],
                    'bytes': len(fetched.body),
                    'sha256': hashlib.sha256(fetched.body).hexdigest(),
                }
            entries.append(entry)
        manifest = {
            'format': FORMAT,
            'recorded_at': recording.recorded_at.isoformat(),
            'tool': f'datadog-exercise {__version__}',
            'feeds': entries,
        }
        with (folder / MANIFEST).open('x', encoding='utf-8') as handle:
            handle.write(json.dumps(manifest, ensure_ascii=False, indent=1) + '\n')
    except OSError as error:
        raise RecordingError(f'cannot write in {folder}: {error.strerror}') from None
    return folder


def load(folder):
    """The recording in `folder`, every part checked (see the module's docstring), or RecordingError."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RecordingError(f'{folder} is not a folder')
    manifest = _read_json(folder / MANIFEST)
    if not isinstance(manifest, dict) or manifest.get('format') != FORMAT:
        raise RecordingError(f'{folder / MANIFEST}: not a recording manifest of format {FORMAT}')
    recorded_at = _instant(manifest.get('recorded_at'), 'recorded_at')
    entries = manifest.get('feeds')
    if not isinstance(entries, list) or not 0 < len(entries) <= len(FILES):
        raise RecordingError(f'{folder / MANIFEST}: `feeds` must list 1 to {len(FILES)} feeds')
    fetched = []
    for position, entry in enumerate(entries):
        recorded = _entry(folder, position, entry)
        if any(other.feed == recorded.feed for other in fetched):
            raise RecordingError(f'{folder / MANIFEST}: feed {recorded.feed} is listed twice')
        fetched.append(recorded)
    return Recording(recorded_at, tuple(fetched))


def _entry(folder, position, entry):
    where = f'{folder / MANIFEST}: feeds[{position}]'
    if not isinstance(entry, dict):
        raise RecordingError(f'{where} is not an object')
    feed = entry.get('feed')
    if not isinstance(feed, str) or feed not in FILES:  # a list is not even hashable
        raise RecordingError(f'{where}: feed {shown(feed)} is not one of {", ".join(FILES)}')
    url = entry.get('url')
    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL or not url.isprintable():
        raise RecordingError(f'{where}: `url` must be a URL of at most {MAX_URL} characters')
    status = entry.get('status')
    if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599):
        raise RecordingError(f'{where}: `status` {shown(status)} is not an HTTP status')
    seconds = entry.get('seconds')
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 3600:
        raise RecordingError(f'{where}: `seconds` must be a number of seconds, got {shown(seconds)}')
    common = {
        'feed': feed,
        'url': url,
        'requested_at': _instant(entry.get('requested_at'), f'{where}: `requested_at`'),
        'seconds': float(seconds),
        'status': status,
        'headers': _headers(where, entry.get('headers')),
    }
    if 'error' in entry:
        error = entry['error']
        if not isinstance(error, str) or not 0 < len(error) <= MAX_ERROR or 'file' in entry or status == 200:
            raise RecordingError(f'{where}: a failed feed has an `error` text and no file')
        return Fetched(**common, body=None, error=error)
    if status != 200 or entry.get('file') != FILES[feed]:
        raise RecordingError(f'{where}: a recorded answer has status 200 and the file {FILES[feed]}')
    return Fetched(**common, body=_body(folder, where, feed, entry))


def _body(folder, where, feed, entry):
    size, digest = entry.get('bytes'), entry.get('sha256')
    cap = feeds.MAX_BYTES[feed]
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= cap:
        raise RecordingError(f'{where}: `bytes` must be 1 to {cap} (the most the check reads of it), got {shown(size)}')
    if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _SHA256:
        raise RecordingError(f'{where}: `sha256` must be 64 lower-case hexadecimal digits')
    path = folder / FILES[feed]
    body = _read_regular(path, size)
    if len(body) != size:
        raise RecordingError(f'{path} has more or fewer bytes than the manifest says ({size})')
    if hashlib.sha256(body).hexdigest() != digest:
        raise RecordingError(f'{path} is not the body recorded: its sha256 differs from the manifest')
    return body


def _read_regular(path, limit):
    """At most `limit` + 1 bytes of `path`, a regular file reached without following a symbolic link."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, 'O_NONBLOCK', 0))
    except OSError as error:
        raise RecordingError(f'cannot read {path}: {error.strerror}') from None
    with os.fdopen(descriptor, 'rb') as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise RecordingError(f'{path} is not a regular file')
        return handle.read(limit + 1)


def _read_json(path):
    text = _read_regular(path, MAX_MANIFEST)
    if len(text) > MAX_MANIFEST:
        raise RecordingError(f'{path} is larger than {MAX_MANIFEST} bytes: not a manifest this project writes')
    try:
        return json.loads(text, parse_constant=_refuse)
    except (ValueError, RecursionError) as error:
        raise RecordingError(f'{path} is not JSON: {shown(str(error), 120)}') from None


def _refuse(name):
    raise ValueError(f'{name} is not a JSON number')


def _instant(text, what):
    instant, why = feed_instant(text) if isinstance(text, str) and len(text) <= MAX_INSTANT_TEXT else (None, None)
    if instant is None:
        raise RecordingError(f'{what} {shown(text)} {why or "is not an ISO 8601 date and time"}')
    return instant


def _headers(where, headers):
    if not isinstance(headers, dict) or not all(
        name in KEPT_HEADERS and isinstance(value, str) and len(value) <= MAX_HEADER for name, value in headers.items()
    ):
        raise RecordingError(f'{where}: `headers` must map some of {", ".join(KEPT_HEADERS)} to short texts')
    return headers
