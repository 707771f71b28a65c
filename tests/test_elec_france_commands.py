"""`datadog-exercise check elec_france --replay` and `datadog-exercise plot`, run as a user runs them."""

import json
import struct
from datetime import UTC, date, datetime

import pytest

from datadog_exercise.plot import PlotError, readings, window

from support import FIXTURES, run_cli

MIX = FIXTURES / 'eco2mix_mix_2023-09-21_22.xml'
CO2 = FIXTURES / 'eco2mix_co2_2023-09-21_22.xml'


def test_replay_runs_the_check_on_recorded_answers_judged_by_their_own_clock(tmp_path):
    result = run_cli('check', 'elec_france', '--replay', MIX, '--replay', CO2, '--json', '--run-path', tmp_path)

    assert result.returncode == 0, result.stderr
    [instance] = json.loads(result.stdout)
    metrics = {(m['metric'], tuple(m['tags'])): m['points'][0][1] for m in instance['aggregator']['metrics']}
    assert metrics[('elec_france.data.age', ('feed:eco2mix',))] == 369
    assert metrics[('elec_france.production', ('feed:eco2mix', 'fuel:nuclear'))] == 37536
    assert metrics[('elec_france.co2_intensity', ('feed:eco2mix',))] == 12
    assert instance['aggregator']['service_checks'][0]['status'] == 0
    assert instance['runner']['LastError'] == ''
    assert list(tmp_path.iterdir()) == []  # a replay never touches the live persistent cache


def test_replay_refuses_what_is_not_an_eco2mix_answer():
    result = run_cli('check', 'elec_france', '--replay', FIXTURES / 'market_prices_2024-04-13.xml')

    assert result.returncode == 2
    assert 'market_prices_2024-04-13.xml is not an éCO2mix answer: this is the market-prices feed' in result.stderr


def test_replay_is_only_for_elec_france():
    result = run_cli('check', 'random_number', '--replay', MIX)

    assert result.returncode == 2
    assert '--replay replays eCO2mix answers: it is for the elec_france check only' in result.stderr


def png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b'\x89PNG\r\n\x1a\n'
    return struct.unpack('>II', header[16:24])


def test_plot_draws_the_last_24_hours_to_a_png(tmp_path):
    output = tmp_path / 'mix.png'

    result = run_cli('plot', '--replay', MIX, '--replay', CO2, '--output', output)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f'wrote {output}\n'
    assert png_size(output) == (1320, 715)


def test_by_default_the_window_is_the_24_hours_up_to_the_latest_complete_quarter_hour():
    starts = window(readings([MIX.read_bytes()]))

    assert (starts[0], starts[-1], len(starts)) == (
        datetime(2023, 9, 21, 0, 15, tzinfo=UTC),
        datetime(2023, 9, 22, 0, 0, tzinfo=UTC),
        96,
    )


def test_a_date_draws_that_paris_day():
    starts = window(readings([MIX.read_bytes()]), date(2023, 9, 21))

    # The day's 00:00-01:45 are 'ND' in the fixture: 02:00 to 23:45 Paris.
    assert (starts[0], starts[-1], len(starts)) == (
        datetime(2023, 9, 21, 0, 0, tzinfo=UTC),
        datetime(2023, 9, 21, 21, 45, tzinfo=UTC),
        88,
    )


def test_a_day_without_data_is_a_clear_error():
    with pytest.raises(
        PlotError, match=r'^no complete quarter-hour between 2023-09-25 00:00 and 2023-09-26 00:00 Paris$'
    ):
        window(readings([MIX.read_bytes()]), date(2023, 9, 25))


def test_plot_refuses_what_is_not_an_eco2mix_answer(tmp_path):
    result = run_cli('plot', '--replay', FIXTURES / 'rte_maintenance.html', '--output', tmp_path / 'x.png')

    assert result.returncode == 1
    assert result.stderr == (
        'Error: not an éCO2mix answer: received an HTML page, not éCO2mix XML '
        "(title: 'Service momentanément indisponible')\n"
    )
    assert not (tmp_path / 'x.png').exists()
