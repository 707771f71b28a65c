"""Replay recorded answers: serve them over HTTP on loopback to the unchanged check.

`datadog-exercise check elec_france --replay mix.xml [--replay co2.xml]` points the check at this
server and judges the data's age against the document's own clock (`date_actuelle`), so anyone can
try the check without network. `--replay DIR` replays a folder made by `datadog-exercise record` as it
is: every feed it holds, the check run at the instant of the recording. The dashboards' preview also
serves ODRE's and the prices' answers from it (`odre`, `odre_regional`, `market`).
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from datadog_exercise.eco2mix import xmlfeed
from datadog_exercise.eco2mix.labels import CO2_INTENSITY
from datadog_exercise.eco2mix.model import FeedError

from . import feeds, recording

PATH = '/curves/eco2mixWeb'
# The other feeds' paths, as their real hosts have them: answer kind -> path.
PATHS = {
    'market': '/curves/getDonneesMarche',
    'odre': '/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records',
    'odre_regional': '/api/explore/v2.1/catalog/datasets/eco2mix-regional-tr/records',
}
KINDS = {path: kind for kind, path in PATHS.items()}
# A recording's feeds, by the kind of answer this server serves each as.
KIND_OF_FEED = {
    feeds.ECO2MIX_MIX: 'mix',
    feeds.ECO2MIX_CO2: 'co2',
    feeds.ODRE: 'odre',
    feeds.ODRE_REGIONAL: 'odre_regional',
    feeds.MARKET: 'market',
}
SCHEDULED_KINDS = ('odre', 'odre_regional', 'market')  # asked one a run (policy.py)


class ReplayError(Exception):
    pass


def classify(paths):
    """{'mix': bytes, 'co2': bytes} from recorded answers, told apart by the series they carry."""
    answers = {}
    for path in map(Path, paths):
        body = path.read_bytes()
        try:
            document = xmlfeed.parse(body)
        except FeedError as error:
            raise ReplayError(f'{path} is not an éCO2mix answer: {error}') from None
        keys = {key for day in document.days for key in day.series}
        kind = 'co2' if keys == {CO2_INTENSITY} else 'mix'
        if kind in answers:
            raise ReplayError(f'{path}: two `type={kind}` answers given; give one of each at most')
        answers[kind] = body
    if 'mix' not in answers:
        raise ReplayError('a replay needs a `type=mix` answer')
    return answers


def from_folder(folder):
    """({kind: body}, the instant it was recorded at) of a folder made by `record` (recording.load checks it)."""
    try:
        recorded = recording.load(folder)
    except recording.RecordingError as error:
        raise ReplayError(str(error)) from None
    answers = {KIND_OF_FEED[feed]: body for feed, body in recorded.bodies().items()}
    if 'mix' not in answers:
        raise ReplayError(f'{folder}: a replay needs the recorded type=mix answer, and this recording failed to get it')
    return answers, recorded.recorded_at


def runs_to_ask_every_feed(answers):
    """Runs the check needs to ask every feed of `answers`: one feed asked hourly or daily a run, the first run
    asking the mix (and CO2) as well."""
    return max(1, sum(1 for kind in SCHEDULED_KINDS if kind in answers))


class ReplayServer:
    """Answers `GET /curves/eco2mixWeb?type=<kind>&...` with the recorded body of that kind, and each path of
    PATHS with the body of its kind. The caller may change `answers` between requests."""

    def __init__(self, answers):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                kind = parse_qs(url.query).get('type', [''])[0] if url.path == PATH else KINDS.get(url.path)
                body = answers.get(kind)
                self.send_response(200 if body is not None else 404)
                self.send_header('Content-Type', 'text/xml')
                self.send_header('Content-Length', str(len(body or b'')))
                self.end_headers()
                self.wfile.write(body or b'')

            def log_message(self, *args):
                pass

        self.answers = answers
        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)

    def instance_options(self, recorded_at=None):
        """What the check's instance must say to replay these answers: the feeds without one are not asked. Data age is
        judged against the document's clock; or the check is run at `recorded_at`, with ODRE as its fallback, as when
        the answers were recorded."""
        base = f'http://127.0.0.1:{self.httpd.server_address[1]}'
        options = {
            'eco2mix_url': base + PATH,
            'source': 'eco2mix',
            'co2': 'co2' in self.answers,
            'clock': 'document',
            'grid_details': 'odre' in self.answers,
            'cross_check': 'odre' in self.answers,
            'prices': 'market' in self.answers,
        }
        if recorded_at is not None:
            options.update(clock=recorded_at.isoformat(), source='auto' if 'odre' in self.answers else 'eco2mix')
        if 'odre' in self.answers:
            options['odre_url'] = base + PATHS['odre']
        if 'odre_regional' in self.answers:
            options.update(odre_regional_url=base + PATHS['odre_regional'], regions='all')
        if 'market' in self.answers:
            options['market_url'] = base + PATHS['market']
        return options

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
