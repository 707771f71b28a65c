"""`python -m datadog_exercise.preview`, run as scripts/screenshots runs it: terminal pictures and errors."""

import os
import shutil
import struct
import subprocess
import sys

import pytest

from datadog_exercise.preview.terminal import CommandFailed, capture, screen_lines, with_folder_shown_as

from support import FIXTURES, REPOSITORY

MIX = FIXTURES / 'eco2mix_mix_2023-09-21_22.xml'
OTHER_FEEDS = (
    *('--odre', FIXTURES / 'odre_records_2023-09-22.json'),
    *('--regional', FIXTURES / 'odre_regional_records_2023-09-21_22.json'),
    *('--prices', FIXTURES / 'market_prices_2023-09-21_23.xml'),
)


def preview(*args, stdin='', cwd=None):
    return subprocess.run(
        [sys.executable, '-m', 'datadog_exercise.preview', *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b'\x89PNG\r\n\x1a\n'
    return struct.unpack('>II', header[16:24])


def test_screen_lines_wrap_at_the_terminal_width_and_drop_trailing_blanks():
    text = 'abcdefghij\n  padded   \n\nlast\n'

    assert screen_lines(text, 4) == ['abcd', 'efgh', 'ij', '  pa', 'dded', '', 'last']


def test_capture_keeps_stdout_and_stderr_in_the_order_they_were_printed():
    program = 'import sys; print("out", flush=True); print("err", file=sys.stderr, flush=True); print("end")'

    assert capture([sys.executable, '-c', program], 80) == 'out\nerr\nend\n'


def test_capture_refuses_a_command_that_fails_showing_its_status_and_output():
    with pytest.raises(CommandFailed) as raised:
        capture([sys.executable, '-c', 'import sys; print("no key"); sys.exit(3)'], 80)

    assert str(raised.value).endswith('exited with status 3:\nno key\n')


def test_terminal_draws_the_prompt_and_every_line_of_output(tmp_path):
    short, tall = tmp_path / 'short.png', tmp_path / 'tall.png'

    assert preview('terminal', '-o', short, '--', sys.executable, '-c', 'print("x\\n" * 1)').returncode == 0
    result = preview('terminal', '-o', tall, '--', sys.executable, '-c', 'print("x\\n" * 9)')

    assert result.returncode == 0, result.stderr
    assert result.stdout == f'wrote {tall}\n'
    (short_width, short_height), (tall_width, tall_height) = png_size(short), png_size(tall)
    assert tall_width == short_width
    # Eight more lines of 10-point text at 1.35 line spacing, 100 dpi (give or take a pixel of rounding).
    assert abs(tall_height - short_height - 8 * 10 * 1.35 / 72 * 100) <= 1


def test_the_folder_is_shown_as_given_where_it_is_a_whole_path_or_a_paths_start():
    text = "file:/srv/x/conf.d/a.yaml[0]\nin /srv/x.\n'/srv/x'\n/srv/x2/a /srv/x-old /srv/x.d /usr/srv/x/a"

    assert with_folder_shown_as(text, '/srv/x', '~/checkout') == (
        "file:~/checkout/conf.d/a.yaml[0]\nin ~/checkout.\n'~/checkout'\n/srv/x2/a /srv/x-old /srv/x.d /usr/srv/x/a"
    )


def test_terminal_draws_the_folder_it_runs_from_as_asked(tmp_path):
    """The same command run from two folders of different lengths draws the same picture with --folder-as,
    and two different pictures without it."""
    program = 'import os; print("config:", os.path.join(os.getcwd(), "conf.d"))'
    pictures = {}
    for folder in ('a', 'a-much-longer-name'):
        (tmp_path / folder).mkdir()
        for option in ((), ('--folder-as', '~/datadog-exercise')):
            picture = tmp_path / f'{folder}{len(option)}.png'
            result = preview(
                'terminal', '-o', picture, *option, '--', sys.executable, '-c', program, cwd=tmp_path / folder
            )
            assert result.returncode == 0, result.stderr
            pictures[folder, bool(option)] = picture.read_bytes()

    assert pictures['a', True] == pictures['a-much-longer-name', True]
    assert pictures['a', False] != pictures['a-much-longer-name', False]


def test_terminal_fails_when_the_command_fails(tmp_path):
    result = preview('terminal', '-o', tmp_path / 'x.png', '--', sys.executable, '-c', 'raise SystemExit(2)')

    assert result.returncode == 1
    assert 'exited with status 2' in result.stderr
    assert not (tmp_path / 'x.png').exists()


def test_dashboards_needs_the_co2_recording(tmp_path):
    result = preview('dashboards', '-', '--replay', MIX, *OTHER_FEEDS, '--host', 'h', stdin='{"dashboards": [{}]}')

    assert result.returncode == 1
    assert result.stderr == 'Error: give the type=co2 recording too: the dashboards show the CO2 intensity\n'


def test_dashboards_needs_a_dry_run_with_dashboards(tmp_path):
    result = preview('dashboards', '-', '--replay', MIX, *OTHER_FEEDS, '--host', 'h', stdin='{"monitors": []}')

    assert result.returncode == 1
    assert result.stderr == (
        'Error: the dry run has no dashboards: run `apply --dry-run` without --only, or with --only dashboards\n'
    )


def test_the_command_line_does_not_load_the_preview_or_matplotlib():
    program = (
        'import sys, datadog_exercise.cli; '
        'print(sorted(m for m in sys.modules if m.startswith(("datadog_exercise.preview", "matplotlib", "PIL"))))'
    )
    result = subprocess.run([sys.executable, '-c', program], capture_output=True, text=True, timeout=60)

    assert result.stdout == '[]\n', result.stderr


def test_the_screenshots_script_is_shellcheck_clean():
    shellcheck = shutil.which('shellcheck')
    if shellcheck is None:
        if os.environ.get('CI') == 'true':
            pytest.fail('shellcheck is not installed; scripts/test installs it')
        pytest.skip('shellcheck is not installed')

    result = subprocess.run([shellcheck, REPOSITORY / 'scripts' / 'screenshots'], capture_output=True, text=True)

    assert (result.returncode, result.stdout) == (0, '')
