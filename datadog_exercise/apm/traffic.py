"""A bounded burst of requests to the app, paced so that no two start closer than 1/rate seconds apart."""

import collections
import time
from dataclasses import dataclass
from urllib.parse import urljoin

import requests

from .. import __version__

# Seconds to wait for one answer; the app answers in milliseconds, so a timeout means it is stuck or gone.
REQUEST_TIMEOUT = 10
# Names the generated requests in the traces (tag http.useragent), apart from real visitors.
USER_AGENT = f'datadog-exercise-traffic/{__version__}'


class TrafficError(Exception):
    """The app could not be reached: the burst stops at the first failed request."""


@dataclass(frozen=True)
class Burst:
    base_url: str
    paths: tuple[str, ...]
    count: int
    rate: float  # requests per second

    def urls(self):
        """The URLs in the order they are requested: the paths in turn, `count` in all."""
        return [urljoin(self.base_url, self.paths[index % len(self.paths)]) for index in range(self.count)]


@dataclass(frozen=True)
class BurstResult:
    statuses: collections.Counter
    seconds: float

    def summary(self):
        answers = ', '.join(f'{count} x HTTP {status}' for status, count in sorted(self.statuses.items()))
        total = sum(self.statuses.values())
        return f'Sent {total} requests in {self.seconds:.1f} s: {answers}'


def send_burst(burst, on_response=lambda: None):
    """Request each URL of the burst in turn and count the answers by HTTP status."""
    interval = 1 / burst.rate
    statuses = collections.Counter()
    first_start = time.monotonic()
    last_start = None
    with requests.Session() as session:
        session.headers['User-Agent'] = USER_AGENT
        for url in burst.urls():
            if last_start is not None:
                time.sleep(max(0.0, last_start + interval - time.monotonic()))
            last_start = time.monotonic()
            try:
                response = session.get(url, timeout=REQUEST_TIMEOUT)
            except requests.RequestException as error:
                raise TrafficError(f'cannot reach {url}: {describe(error)}') from None
            statuses[response.status_code] += 1
            on_response()
    return BurstResult(statuses, time.monotonic() - first_start)


def describe(error):
    if isinstance(error, requests.Timeout):
        return f'no answer within {REQUEST_TIMEOUT} s'
    if isinstance(error, requests.ConnectionError):
        return 'connection refused or host unreachable'
    return type(error).__name__
