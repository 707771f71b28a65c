"""The recording the package ships (`--replay sample`) and every folder dropped under tests/fixtures/recordings/ (made
by `datadog-exercise record`: see tests/fixtures/README.md) are regression tests as they are: each reads back intact,
was made with the check's own requests, its éCO2mix answers carry no unknown label and give a complete quarter-hour,
and they agree with its ODRE answer."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from datadog_exercise.eco2mix.snapshot import latest_snapshot
from datadog_exercise.elec_france import crosscheck, feeds
from datadog_exercise.elec_france.answer import parsed, reported_snapshot
from datadog_exercise.elec_france.config import parse_config
from datadog_exercise.elec_france.recording import load
from datadog_exercise.elec_france.state import Verification
from datadog_exercise.paths import SAMPLE_FOLDER

from support import FIXTURES

DROPPED = sorted(path for path in (FIXTURES / 'recordings').iterdir() if path.is_dir())
RECORDINGS = [SAMPLE_FOLDER, *DROPPED]
SHIPPED = parse_config({})  # the shipped conf.yaml sets nothing that changes a request or a label


def recorded(folder):
    recording = load(folder)
    return recording, {feed: parsed(feed, body, SHIPPED) for feed, body in recording.bodies().items()}


def test_the_shipped_sample_is_one_of_them():
    assert SAMPLE_FOLDER.is_dir()
    assert (SAMPLE_FOLDER / 'manifest.json').is_file()


@pytest.mark.parametrize('folder', RECORDINGS, ids=lambda folder: folder.name)
def test_a_recording_was_made_with_the_checks_own_requests(folder):
    recording = load(folder)
    asked = {request.feed: request.params for request in feeds.requests(SHIPPED, recording.recorded_at.timestamp())}

    for fetched in recording.fetched:
        params = dict(parse_qsl(urlsplit(fetched.url).query))
        assert params == {name: str(value) for name, value in asked[fetched.feed].items()}, fetched.feed


@pytest.mark.parametrize('folder', RECORDINGS, ids=lambda folder: folder.name)
def test_a_recording_parses_with_no_unknown_label_nor_unusable_value(folder):
    _, answers = recorded(folder)

    for feed in (feeds.ECO2MIX_MIX, feeds.ECO2MIX_CO2):
        document = answers[feed]
        for day in document.days:
            dict(day.series)  # every row read: the labels are tallied as the rows are indexed
        assert (document.unknown_labels.first, document.problems.first) == ([], []), feed


@pytest.mark.parametrize('folder', RECORDINGS, ids=lambda folder: folder.name)
def test_a_recording_gives_a_complete_quarter_hour_of_its_time(folder):
    recording, answers = recorded(folder)

    snapshot = reported_snapshot(answers[feeds.ECO2MIX_MIX], recording.recorded_at.timestamp())
    assert snapshot.start <= recording.recorded_at
    assert latest_snapshot(answers[feeds.ODRE]) is not None


@pytest.mark.parametrize('folder', RECORDINGS, ids=lambda folder: folder.name)
def test_a_recording_agrees_with_its_odre_answer(folder):
    recording, answers = recorded(folder)

    verification = crosscheck.updated(Verification(), answers, recording.recorded_at.timestamp())
    comparison = crosscheck.comparison(verification)

    assert comparison is not None, 'no quarter-hour in common with ODRE'
    assert comparison.mismatches == (), comparison.message()
    assert len(comparison.rows) >= 12  # the eleven core series and CO2 at least
