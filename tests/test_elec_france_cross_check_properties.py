"""Issue 11's hostile inputs, as properties (Hypothesis, bounded to run in seconds): a recording's manifest, the
`label_overrides` option, the cross-check's cache, and the drift diagnosis over any unknown rows."""

import json
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from datadog_checks.base import ConfigurationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_elec_france_check import GENERATED
from test_elec_france_state import JSON, dumps

from datadog_exercise.eco2mix import odre, xmlfeed
from datadog_exercise.eco2mix.consistency import (
    ECO2MIX_WINDOW,
    MAX_DIAGNOSED,
    ODRE_SERIES,
    UnknownRow,
    diagnose,
)
from datadog_exercise.eco2mix.labels import ODRE_FIELDS, XML_TARGETS, xml_row
from datadog_exercise.eco2mix.plausible import plausible_range
from datadog_exercise.elec_france import crosscheck, feeds
from datadog_exercise.elec_france.config import parse_config
from datadog_exercise.elec_france.recording import RecordingError, load
from datadog_exercise.elec_france.state import Verification
from datadog_exercise.paths import SAMPLE_FOLDER

from support import FIXTURES

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RECORDING = SAMPLE_FOLDER
MANIFEST = json.loads((RECORDING / 'manifest.json').read_text())
STARTS = [datetime(2023, 9, 22, 0, 0, tzinfo=UTC) - timedelta(minutes=15 * n) for n in range(ECO2MIX_WINDOW)]


# ---- a recording's manifest ------------------------------------------------------------------------------------

# Where a manifest can be changed: top-level fields, and each field of the first feed's entry.
MANIFEST_PATHS = [
    *MANIFEST,
    *(f'feeds__0__{field}' for field in MANIFEST['feeds'][0]),
    'feeds__0__headers__Content-Length',
    'feeds__0',
    'feeds__4',
]


@pytest.fixture(scope='module')
def folder():
    with tempfile.TemporaryDirectory() as temporary:
        copy = Path(temporary) / 'recording'
        shutil.copytree(RECORDING, copy)
        yield copy


def changed(manifest, path, value):
    manifest = json.loads(json.dumps(manifest))
    *parents, last = path.split('__')
    holder = manifest
    for part in parents:
        holder = holder[int(part)] if isinstance(holder, list) else holder[part]
    if isinstance(holder, list):
        holder[int(last) :] = [value]
    else:
        holder[last] = value
    return manifest


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from(MANIFEST_PATHS), JSON, min_size=1, max_size=3))
def test_a_manifest_with_any_fields_replaced_is_read_back_or_refused_by_name(folder, changes):
    manifest = MANIFEST
    for path, value in changes.items():
        try:
            manifest = changed(manifest, path, value)
        except (IndexError, KeyError, TypeError, ValueError):
            return  # a path through a field an earlier change replaced
    (folder / 'manifest.json').write_text(dumps(manifest))

    try:
        recording = load(folder)
    except RecordingError as error:
        assert len(str(error)) < 1000
        return
    # Whatever was accepted, the bodies are the files of the folder, intact.
    for feed, body in recording.bodies().items():
        assert (
            body
            == (
                RECORDING
                / {'eco2mix_mix': 'eco2mix_mix.xml', 'eco2mix_co2': 'eco2mix_co2.xml'}.get(
                    feed, {'odre': 'odre.json', 'market': 'market.xml', 'odre_regional': 'odre_regional.json'}.get(feed)
                )
            ).read_bytes()
        )


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=3000) | JSON.map(lambda value: dumps(value).encode()))
def test_any_manifest_bytes_are_read_back_or_refused_by_name(folder, text):
    (folder / 'manifest.json').write_bytes(text)

    with pytest.raises(RecordingError):
        load(folder)


# ---- label_overrides ---------------------------------------------------------------------------------------------

TARGET_NAMES = ['exchange', 'hydro.run_of_river', 'gas', 'consumption_forecast.day_ahead', 'wind.offshore', 'imports']
OVERRIDE_VALUES = st.recursive(
    JSON | st.sampled_from(TARGET_NAMES),
    lambda children: st.dictionaries(
        st.text(max_size=12) | st.sampled_from(['Solde', 'FEE', 'Global']), children, max_size=4
    ),
    max_leaves=12,
)


@SETTINGS
@given(OVERRIDE_VALUES)
def test_any_label_overrides_is_a_mapping_to_known_series_or_an_error_naming_the_option(value):
    try:
        config = parse_config({'label_overrides': value})
    except ConfigurationError as error:
        assert str(error).startswith('`label_overrides`') and len(str(error)) < 1000
        return
    assert len(config.label_overrides) <= 50
    for (label, code), key in config.label_overrides.items():
        assert key in XML_TARGETS
        # The parser's one table reads the row as the user said.
        assert xml_row(label, code or 'Global', config.label_overrides) == ('overridden', key)


# ---- the cross-check's cache ------------------------------------------------------------------------------------


def assert_sound(verification):
    for window, size in ((verification.eco2mix, ECO2MIX_WINDOW), (verification.co2, ECO2MIX_WINDOW)):
        assert len(window) <= size
    assert len(verification.unknown) <= MAX_DIAGNOSED
    verdict = crosscheck.verdict(verification)
    assert len(verdict.message) <= crosscheck.MAX_MESSAGE


@SETTINGS
@given(JSON)
def test_any_json_is_a_valid_cross_check_cache_or_a_fresh_start(value):
    assert_sound(Verification.from_json(dumps(value)))


def saved_verification():
    """What the check keeps after the fixtures' answers, one of its rows unknown ('Solde' renamed)."""
    mix = (FIXTURES / 'eco2mix_mix_2023-09-21_22.xml').read_bytes().replace(b"v='Solde'", b"v='Ech. physiques'")
    answers = {
        feeds.ECO2MIX_MIX: xmlfeed.parse(mix),
        feeds.ECO2MIX_CO2: xmlfeed.parse((FIXTURES / 'eco2mix_co2_2023-09-21_22.xml').read_bytes()),
        feeds.ODRE: odre.parse((FIXTURES / 'odre_records_2023-09-22.json').read_bytes()),
    }
    return json.loads(crosscheck.updated(Verification(), answers, GENERATED).to_json())


SAVED = saved_verification()
CACHE_PATHS = [
    'eco2mix',
    'eco2mix__0',
    'eco2mix__0__0',
    'eco2mix__0__1__0',
    'eco2mix__0__1__0__2',
    'co2__3__1__0__0',
    'unknown__0__0',
    'unknown__0__2__1',
    'unknown__0__2__1__1',
    'odre__7__0',
    'odre__7__1__3__1',
    'format',
]


@SETTINGS
@given(st.dictionaries(st.sampled_from(CACHE_PATHS), JSON, min_size=1, max_size=3))
def test_a_saved_cross_check_with_any_fields_replaced_is_valid_or_a_fresh_start(changes):
    saved = SAVED
    for path, value in changes.items():
        try:
            saved = changed(saved, path, value)
        except (IndexError, KeyError, TypeError, ValueError):
            return
    verification = Verification.from_json(dumps(saved))

    assert_sound(verification)
    assert verification in (Verification(), Verification.from_json(verification.to_json()))


def test_the_saved_cross_check_reads_back_as_it_was_written():
    verification = Verification.from_json(json.dumps(SAVED))

    assert verification.to_json() == json.dumps(SAVED, separators=(',', ':'))
    assert crosscheck.diagnosis(verification) == (
        "unknown series 'Ech. physiques' equals ODRE's ech_physiques on 8 of 8 quarter-hours: probably the exchange "
        "balance; map it with label_overrides ('Ech. physiques': exchange)",
    )


# ---- the drift diagnosis -------------------------------------------------------------------------------------------

VALUES = st.integers(-(10**15), 10**15).map(float) | st.sampled_from([0.0, 7.0, -14141.0, 250.0])
UNKNOWN_ROWS = st.lists(
    st.builds(
        UnknownRow,
        st.none() | st.text(max_size=200),
        st.none() | st.text(max_size=30) | st.just('Global'),
        st.dictionaries(st.sampled_from(STARTS), VALUES, max_size=ECO2MIX_WINDOW),
    ),
    max_size=30,
)


@st.composite
def odre_windows(draw):
    window = []
    for start in sorted(draw(st.sets(st.sampled_from(STARTS), max_size=8))):
        keys = draw(st.sets(st.sampled_from(ODRE_SERIES), max_size=len(ODRE_SERIES)))
        window.append(
            (start, {key: float(draw(st.integers(*plausible_range(key)) | st.sampled_from([0, 7]))) for key in keys})
        )
    return tuple(window)


DIAGNOSIS_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@DIAGNOSIS_SETTINGS
@given(UNKNOWN_ROWS, odre_windows())
def test_the_diagnosis_of_any_unknown_rows_is_bounded_and_says_one_line_a_row(unknown, odre):
    lines = diagnose(tuple(unknown), odre)

    assert len(lines) == min(len(unknown), MAX_DIAGNOSED)
    assert all(line.startswith('unknown series ') and len(line) < 400 for line in lines)


@DIAGNOSIS_SETTINGS
@given(odre_windows(), st.sampled_from(sorted(ODRE_FIELDS)))
def test_a_row_equal_to_one_odre_series_alone_is_named_as_it(odre, field):
    key = ODRE_FIELDS[field]
    # The row is ODRE's series itself; no other series of the window has its values everywhere.
    values = {start: published[key] for start, published in odre if key in published}
    others = [
        other
        for other in ODRE_FIELDS
        if other != field
        and all(published.get(ODRE_FIELDS[other]) == values[start] for start, published in odre if start in values)
    ]
    row = UnknownRow('Nouvelle série', None, values)

    [line] = diagnose((row,), odre)

    if not values:
        assert line == "unknown series 'Nouvelle série' has no quarter-hour in common with ODRE's records yet"
    elif not others:
        assert line.startswith(
            f"unknown series 'Nouvelle série' equals ODRE's {field} on {len(values)} of {len(values)} quarter-hours: "
            'probably '
        )
    else:
        assert line.endswith(': cannot tell which')
