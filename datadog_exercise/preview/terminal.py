"""A command's real output, drawn to PNG as a terminal shows it: a prompt line, then stdout and stderr."""

import os
import re
import shlex
import subprocess

from . import png

BACKGROUND = '#1e1e1e'
HEADER = '#323232'
PROMPT = '#8ae234'
OUTPUT = '#d3d7cf'
FAINT = '#9a9a9a'
FONT = 'DejaVu Sans Mono'  # ships with matplotlib: the picture does not depend on the host's fonts
FONT_SIZE = 10  # points
CHAR_WIDTH = 0.602  # of the font size: DejaVu Sans Mono's advance
LINE_HEIGHT = 1.35  # of the font size
DPI = 100


class CommandFailed(Exception):
    pass


def capture(argv, columns):
    """What `argv` prints, stdout and stderr interleaved as on a terminal `columns` wide."""
    result = subprocess.run(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, 'COLUMNS': str(columns)}
    )
    if result.returncode != 0:
        raise CommandFailed(f'{shlex.join(argv)} exited with status {result.returncode}:\n{result.stdout}')
    return result.stdout


def with_folder_shown_as(text, folder, shown):
    """`text` with the path `folder` written `shown` wherever it is a whole path or a path's start: the reader's
    checkout, not the machine's, in the pictures (`/srv/x/conf.d` and `/srv/x` change, `/srv/x2` and
    `/usr/srv/x` do not)."""
    return re.sub(r'(?<![\w./-])' + re.escape(str(folder)) + r'(?![\w-]|\.\w)', lambda _: shown, text)


def screen_lines(text, columns):
    """The text as the terminal shows it: trailing blanks dropped, long lines wrapped at `columns`."""
    lines = []
    for line in text.rstrip('\n').split('\n'):
        line = line.rstrip().expandtabs()
        lines += [line[start : start + columns] for start in range(0, len(line), columns)] or ['']
    return lines


def render(argv, output_text, path, columns, header):
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    prompt = screen_lines(f'$ {shlex.join(argv)}', columns)
    body = screen_lines(output_text, columns)
    rows = [(line, PROMPT) for line in prompt] + [(line, OUTPUT) for line in body] + [('$', PROMPT)]
    width_chars = max(len(header), *(len(line) for line, _ in rows)) + 4
    line_points = FONT_SIZE * LINE_HEIGHT
    width = width_chars * FONT_SIZE * CHAR_WIDTH / 72
    height = (len(rows) + 3.5) * line_points / 72
    figure = plt.figure(figsize=(width, height), dpi=DPI, facecolor=BACKGROUND)
    header_height = 1.6 * line_points / 72 / height
    figure.patches.append(
        plt.Rectangle((0, 1 - header_height), 1, header_height, transform=figure.transFigure, color=HEADER)
    )
    text_options = {'family': FONT, 'size': FONT_SIZE, 'parse_math': False, 'va': 'top'}
    figure.text(0.5, 1 - 0.3 * header_height, header, color=FAINT, ha='center', **text_options)
    left = 2 * CHAR_WIDTH * FONT_SIZE / 72 / width
    for row, (line, color) in enumerate(rows):
        top = 1 - header_height - (0.8 + row) * line_points / 72 / height
        figure.text(left, top, line, color=color, **text_options)
    png.save(figure, path, dpi=DPI, facecolor=BACKGROUND)
    plt.close(figure)
    return path
