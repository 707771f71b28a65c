"""The documentation holds: every relative link and anchor of README.md and docs/*.md resolves, and every
example marked as runnable still runs and prints what it shows.

A runnable example is a fenced block whose info string is `console runnable` (docs/development.md says how
to write one). Each `$ datadog-exercise ...` line runs in a fresh interpreter, from the checkout, offline; the
lines after it are its output, compared after the normalisation of `normalised`.

Anchors are computed as GitHub computes heading ids. GitHub's own code is not public; github-slugger
(Flet/github-slugger) reproduces it and checks itself against ids read from pages GitHub rendered
(its test/fixtures.json, made by script/generate-fixtures.mjs): lower case, then every character of the
categories listed in its script/generate-regex.mjs removed, except alphabetic ones, spaces and `-`; spaces
become `-`; a repeated id gets `-1`, `-2`, ...
"""

import os
import re
import shlex
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt

from support import REPOSITORY

DOCUMENTS = (REPOSITORY / 'README.md', *sorted((REPOSITORY / 'docs').glob('*.md')))

# What the examples show in place of the reader's checkout.
CHECKOUT_PLACEHOLDER = '~/datadog-exercise'
# The host name the examples show; the commands run with DD_HOSTNAME set to it.
EXAMPLE_HOST = 'vm'

# github-slugger's script/generate-regex.mjs: the Unicode general categories whose characters an id drops.
DROPPED_CATEGORIES = frozenset(
    {'No', 'Pe', 'Pf', 'Pi', 'Ps', 'Po', 'Pd', 'Sm', 'Sc', 'Sk', 'So', 'Cc', 'Co', 'Cf', 'Cn', 'Zs', 'Zl', 'Zp'}
)
# ...except alphabetic characters (the script removes Alphabetic from the set). The only Alphabetic
# characters in those categories are these symbols (Unicode PropList.txt, Other_Alphabetic, So): circled,
# squared and negative circled or squared Latin letters.
ALPHABETIC_SYMBOLS = ((0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))

MARKDOWN = MarkdownIt('commonmark', {'html': True}).enable('table')


def github_slug(heading_text):
    """The id GitHub gives a heading whose rendered text is `heading_text`, before duplicates are numbered."""
    return ''.join(char for char in heading_text.lower() if _kept_in_id(char)).replace(' ', '-')


def _kept_in_id(char):
    if char in ' -':
        return True
    if unicodedata.category(char) not in DROPPED_CATEGORIES:
        return True
    return any(low <= ord(char) <= high for low, high in ALPHABETIC_SYMBOLS)


def numbered(slugs):
    """github-slugger's BananaSlug.slug: the second `x` is `x-1`, and a numbered id never takes a taken one."""
    occurrences = {}
    for slug in slugs:
        unique = slug
        while unique in occurrences:
            occurrences[slug] += 1
            unique = f'{slug}-{occurrences[slug]}'
        occurrences[unique] = 0
        yield unique


def heading_anchors(markdown):
    tokens = MARKDOWN.parse(markdown)
    texts = [_plain_text(tokens[i + 1]) for i, token in enumerate(tokens) if token.type == 'heading_open']
    return list(numbered(github_slug(text) for text in texts))


def _plain_text(inline):
    """A heading's text as rendered: code spans' content, link text, no markup, no HTML tags, no images."""
    return ''.join(child.content for child in inline.children if child.type in ('text', 'code_inline'))


@dataclass(frozen=True)
class Link:
    document: Path
    line: int
    target: str


def relative_links(document):
    """Every Markdown link and image of the document that points into the repository, outside code (links
    written as HTML tags are not read)."""
    for token in MARKDOWN.parse(document.read_text(encoding='utf-8')):
        if token.type != 'inline':
            continue
        for child in token.children:
            target = child.attrGet('href') if child.type == 'link_open' else child.attrGet('src')
            if child.type in ('link_open', 'image') and target and not urlsplit(target).scheme:
                yield Link(document, token.map[0] + 1, target)


def broken(link, repository=REPOSITORY):
    """Why the link does not resolve, or None."""
    parts = urlsplit(link.target)
    path, fragment = unquote(parts.path), unquote(parts.fragment)
    target = (link.document.parent / path).resolve() if path else link.document
    if not target.is_relative_to(repository):
        return f'{link.target} leaves the repository'
    if not target.exists():
        return f'{link.target}: no such file or folder'
    if fragment and target.suffix == '.md' and fragment not in heading_anchors(target.read_text(encoding='utf-8')):
        return f'{link.target}: {target.relative_to(repository)} has no heading with the id {fragment!r}'
    return None


@dataclass(frozen=True)
class Example:
    document: Path
    line: int
    command: str
    shown: tuple[str, ...]  # the output lines the example shows; a line '...' stands for lines left out

    def __str__(self):
        return f'{self.document.relative_to(REPOSITORY)}:{self.line}'


def runnable_examples(document):
    text = document.read_text(encoding='utf-8')
    for token in MARKDOWN.parse(text):
        if token.type == 'fence' and token.info.split() == ['console', 'runnable']:
            yield from _examples_of_block(document, token.map[0] + 2, token.content.splitlines())


def _examples_of_block(document, first_line, lines):
    """`$ ` lines are commands (a line ending with ` \\` goes on); the lines under a command are its output."""
    drafts = []  # (line, command parts, output lines)
    continued = False
    for number, line in enumerate(lines, start=first_line):
        if continued:
            drafts[-1][1].append(line.strip())
        elif line.startswith('$ '):
            drafts.append((number, [line[2:].strip()], []))
        elif drafts:
            drafts[-1][2].append(line)
        else:
            raise ValueError(f'{document.name}:{number}: a runnable block starts with a `$ ` command line')
        continued = (continued or line.startswith('$ ')) and line.rstrip().endswith('\\')
    return [
        Example(document, number, ' '.join(part.removesuffix('\\').strip() for part in parts), tuple(shown))
        for number, parts, shown in drafts
    ]


# What differs from one run to the next, each replaced by a placeholder in the output shown and in the output.
VOLATILE = (
    (re.compile(r'\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\b'), '<date> UTC'),
    (re.compile(r'\b\d{10}(?:\d{3})?\b'), '<unix time>'),
    (re.compile(r'(Execution Time : )\S+'), r'\1<duration>'),
    # A check instance's ID hashes its configuration, which holds the replay server's port under --replay; it is
    # written without leading zeros (runner/checkid.py, as the Agent's strconv.FormatUint): 16 hex digits or fewer.
    (re.compile(r'\b([a-z0-9_]+):[0-9a-f]{12,16}\b'), r'\1:<instance id>'),
)


def normalised(text, checkout=REPOSITORY):
    """Lines without trailing blanks or trailing empty lines; the checkout's path as `~/datadog-exercise`;
    dates, Unix times (10 or 13 digits), execution times and check instance IDs as placeholders."""
    text = text.replace(str(checkout), CHECKOUT_PLACEHOLDER)
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


# What makes a command offline and harmless: it only prints, previews, runs a check locally, or examines a recording.
OFFLINE_WORDS = frozenset({'--help', '-h', '--version', '--dry-run'})


def offline(words):
    return bool(OFFLINE_WORDS & set(words)) or words[1:2] == ['check'] or _replays(words, 'doctor')


def run_example(example, home):
    words = shlex.split(example.command)
    if words[0] != 'datadog-exercise':
        raise ValueError(f'{example}: a runnable example runs datadog-exercise, not {words[0]}')
    if not offline(words):
        raise ValueError(
            f'{example}: only --help, --dry-run, check and doctor --replay examples are runnable: {example.command}'
        )
    arguments = [word.replace(CHECKOUT_PLACEHOLDER, str(REPOSITORY), 1) for word in words[1:]]
    environment = {name: value for name, value in os.environ.items() if not _outside_setting(name)}
    environment |= {
        'HOME': str(home),
        'XDG_CACHE_HOME': str(home / '.cache'),
        'DD_HOSTNAME': EXAMPLE_HOST,
        'COLUMNS': '80',
        'TZ': 'UTC',
        'PYTHONUNBUFFERED': '1',  # stdout and stderr interleaved as on a terminal
        # An example that reaches past loopback fails at once: it is not offline.
        'HTTP_PROXY': 'http://127.0.0.1:9',
        'HTTPS_PROXY': 'http://127.0.0.1:9',
        'NO_PROXY': '127.0.0.1,localhost',
    }
    program = 'from datadog_exercise.cli import main; main(prog_name="datadog-exercise")'
    return subprocess.run(
        [sys.executable, '-c', program, *arguments],
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )


def _replays(words, command):
    """`datadog-exercise COMMAND ... --replay ...`: the command reads a recording instead of the feeds."""
    return words[1:2] == [command] and any(word == '--replay' or word.startswith('--replay=') for word in words)


def _outside_setting(name):
    return name.startswith(('DD_', 'DATADOG_', 'MYSQL_')) or name.lower() in ('http_proxy', 'https_proxy', 'no_proxy')


def agent_installed():
    return Path('/etc/datadog-agent').exists() or Path('/opt/datadog-agent').exists()


EXAMPLES = [example for document in DOCUMENTS for example in runnable_examples(document)]


@pytest.mark.parametrize('example', EXAMPLES, ids=str)
def test_a_runnable_example_prints_what_it_shows(example, tmp_path):
    if example.command.split()[1] == 'install' and agent_installed():
        pytest.skip("the installer's examples show a machine without the Datadog Agent")
    result = run_example(example, tmp_path)
    assert result.returncode == 0, f'{example}: {example.command} exited {result.returncode}:\n{result.stdout}'
    shown, printed = normalised('\n'.join(example.shown)), normalised(result.stdout)
    if ELISION not in shown:
        assert printed == shown, f'{example}: {example.command}'
    missing = not_shown_in(shown, printed)
    assert missing is None, f'{example}: {example.command} does not print, where the example shows it:\n{missing}'


ELISION = '...'  # a line of an example's output that stands for any number of lines, none included


def not_shown_in(shown, printed):
    """None when `printed` is `shown` with each ELISION line replaced by some lines; else the lines of `shown`
    that `printed` lacks (or does not start or end with), as text."""
    pieces = [[]]
    for line in shown:
        if line == ELISION:
            pieces.append([])
        else:
            pieces[-1].append(line)
    if len(pieces) == 1:
        return None if printed == shown else '\n'.join(shown)
    first, *middle, last = pieces
    if printed[: len(first)] != first:
        return '\n'.join(first)
    start, end = len(first), len(printed) - len(last)
    if end < start or printed[end:] != last:
        return '\n'.join(last)
    for piece in middle:
        found = next((at for at in range(start, end - len(piece) + 1) if printed[at : at + len(piece)] == piece), None)
        if found is None:
            return '\n'.join(piece)
        start = found + len(piece)
    return None


def test_the_documents_have_runnable_examples():
    pages = {example.document.name for example in EXAMPLES}
    assert {'runner.md', 'installer.md', 'exercise.md'} <= pages


@pytest.mark.parametrize('document', DOCUMENTS, ids=lambda path: str(path.relative_to(REPOSITORY)))
def test_every_relative_link_and_anchor_resolves(document):
    problems = [f'line {link.line}: {why}' for link in relative_links(document) if (why := broken(link))]
    assert not problems, '\n'.join(problems)


# The checker itself.

SLUGS_RENDERED_BY_GITHUB = {
    # Flet/github-slugger test/fixtures.json, ids read from a page GitHub rendered
    'heading with a - dash': 'heading-with-a---dash',
    'heading with an _ underscore': 'heading-with-an-_-underscore',
    'heading with a period.txt': 'heading-with-a-periodtxt',
    'exchange.bind_headers(exchange, routing [, bindCallback])': 'exchangebind_headersexchange-routing--bindcallback',
    'apostrophe’s should be trimmed': 'apostrophes-should-be-trimmed',
    'I ♥ unicode': 'i--unicode',
    'en–dash': 'endash',
    '😄 - an emoji': '---an-emoji',
    '😄_😄 unicode emoji': '_-unicode-emoji',
    ':ok_hand: Single': 'ok_hand-single',
    'Привет non-latin 你好': 'привет-non-latin-你好',
}


@pytest.mark.parametrize(('text', 'slug'), SLUGS_RENDERED_BY_GITHUB.items())
def test_ids_are_the_ones_github_renders(text, slug):
    assert github_slug(text) == slug


@pytest.mark.parametrize(
    ('text', 'slug'),
    [
        # shorter versions of the fixtures' lines of one category each ('a', samples of it, 'b')
        ('a) ] } ⁆ 〉 ｝b', 'a-----b'),  # closing punctuation of several scripts is dropped
        ('a$ ¢ € ₿b', 'a---b'),  # currency symbols are dropped
        ('aᛮ Ⅻ ⅻb', 'aᛮ-ⅻ-ⅻb'),  # letter numbers are kept, in lower case
        ('a² ½b', 'a-b'),  # other numbers are dropped
        ('a\u00a0b\u2028c', 'abc'),  # separators other than the space are dropped
        ('Ⓐ grade', 'ⓐ-grade'),  # symbols that are letters are kept
    ],
)
def test_ids_keep_letters_marks_digits_and_drop_the_other_categories(text, slug):
    assert github_slug(text) == slug


@pytest.mark.parametrize(
    ('heading', 'anchor'),
    [
        ('## Élec France : le mix', 'élec-france--le-mix'),
        (
            '### Performance (`python benchmarks/elec_france.py` measures them)',
            'performance-python-benchmarkselec_francepy-measures-them',
        ),
        ("## elec_france: France's electricity mix", 'elec_france-frances-electricity-mix'),
        ('## The exercise, step by step', 'the-exercise-step-by-step'),
        ('### 1. Set-up', '1-set-up'),
        ('## What a green `vagrant up` *guarantees*', 'what-a-green-vagrant-up-guarantees'),
        ('## See [the runner](runner.md) & co', 'see-the-runner--co'),
        ('## Q&amp;A <sup>new</sup>', 'qa-new'),
        ('## `--discovery-min-instances N`', '--discovery-min-instances-n'),
        ('## Deliberate differences (7)', 'deliberate-differences-7'),
    ],
)
def test_a_heading_id_comes_from_its_rendered_text(heading, anchor):
    assert heading_anchors(heading) == [anchor]


def test_repeated_ids_are_numbered_as_github_numbers_them():
    # github-slugger test/fixtures.json, "Repetition" and "More repetition"
    headings = ['echo', 'echo', 'echo 1', 'echo-1', 'echo', 'foxtrot-1', 'foxtrot', 'foxtrot']
    markdown = '\n\n'.join(f'## {text}' for text in headings)
    assert heading_anchors(markdown) == [
        'echo',
        'echo-1',
        'echo-1-1',
        'echo-1-2',
        'echo-2',
        'foxtrot-1',
        'foxtrot',
        'foxtrot-2',
    ]


def test_broken_links_and_anchors_are_named_and_code_is_not_read(tmp_path):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'other.md').write_text('# Other page\n\n## Its part\n')
    page = tmp_path / 'docs' / 'page.md'
    page.write_text(
        '# Page\n\n'
        '[fine](other.md#its-part) [here](#page) [folder](../docs) [web](https://example.com/x#y)\n\n'
        '[gone](missing.md) [no such part](other.md#their-part) [out](../../etc/passwd) [self](#nowhere)\n\n'
        '| table | ![picture](missing.png) |\n|---|---|\n\n'
        '```sh\n[in a block](missing-too.md)\n```\n\n`[in code](missing-three.md)`\n'
    )
    problems = [(link.line, why) for link in relative_links(page) if (why := broken(link, repository=tmp_path))]
    assert problems == [
        (5, 'missing.md: no such file or folder'),
        (5, "other.md#their-part: docs/other.md has no heading with the id 'their-part'"),
        (5, '../../etc/passwd leaves the repository'),
        (5, "#nowhere: docs/page.md has no heading with the id 'nowhere'"),
        (7, 'missing.png: no such file or folder'),
    ]


def test_a_runnable_block_gives_each_command_its_output(tmp_path):
    page = tmp_path / 'page.md'
    page.write_text(
        'Text\n\n```console runnable\n$ datadog-exercise one \\\n    --two\nfirst\n\nsecond\n$ datadog-exercise three\n'
        '...\n```\n\n```console\n$ datadog-exercise not-runnable\n```\n'
    )
    examples = list(runnable_examples(page))
    assert [(e.line, e.command, e.shown) for e in examples] == [
        (4, 'datadog-exercise one --two', ('first', '', 'second')),
        (9, 'datadog-exercise three', ('...',)),
    ]


@pytest.mark.parametrize(
    'shown, missing',
    [
        (['a', 'b', 'c', 'd', 'e'], None),
        (['a', '...'], None),
        (['...', 'e'], None),
        (['a', '...', 'c', 'd', '...', 'e'], None),
        (['...', 'b', '...', 'd', '...'], None),
        (['...'], None),
        (['a', '...', 'd', 'c', '...'], 'd\nc'),  # out of order
        (['b', '...'], 'b'),  # not the start
        (['...', 'd'], 'd'),  # not the end
        (['a', '...', 'x', '...'], 'x'),
        (['a', 'b', 'c', '...', 'c', 'd', 'e'], 'c\nd\ne'),  # the pieces may not overlap
    ],
)
def test_an_elision_stands_for_any_lines_and_the_rest_must_be_printed_in_order(shown, missing):
    assert not_shown_in(shown, ['a', 'b', 'c', 'd', 'e']) == missing


def test_the_output_is_compared_without_what_changes_between_runs():
    printed = (
        '  Configuration Source: file:/srv/checkout/conf.d/x.d/conf.yaml[0]   \n'
        '  Instance ID: elec_france:a7cd00ace611ba54 [OK]\n'
        '  Instance ID: elec_france:22114f13d38f928 [OK]\n'  # a hash with a leading zero, printed without it
        '  Average Execution Time : 1.2s\n'
        '  Last Execution Date : 2026-11-28 00:59:13 UTC (1795827553000)\n'
        '  elec_france.consumption  gauge  1796233996  36278\n\n\n'
    )
    assert normalised(printed, checkout=Path('/srv/checkout')) == [
        '  Configuration Source: file:~/datadog-exercise/conf.d/x.d/conf.yaml[0]',
        '  Instance ID: elec_france:<instance id> [OK]',
        '  Instance ID: elec_france:<instance id> [OK]',
        '  Average Execution Time : <duration>',
        '  Last Execution Date : <date> UTC (<unix time>)',
        '  elec_france.consumption  gauge  <unix time>  36278',
    ]


@pytest.mark.parametrize(
    'command',
    [
        'datadog-exercise install',
        'datadog-exercise apply --only monitors',
        'datadog-exercise doctor',  # asks the feeds
        'datadog-exercise record --output x',
        'rm -rf ~/datadog-exercise',
    ],
)
def test_a_command_that_could_change_something_is_not_run(command, tmp_path):
    with pytest.raises(ValueError, match='runnable'):
        run_example(Example(REPOSITORY / 'README.md', 1, command, ()), tmp_path)
