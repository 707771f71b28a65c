"""How long a text is, measured the two ways the Agent measures it.

- `segments`: the status templates' `printDashes` (comp/core/status render helpers, `stringLength`) counts
  the normalisation segments that Go's `norm.Iter` yields over the NFKD form: a starter and the
  combining marks that follow it make one segment.
- `cells`: the `--table` output (olekukonko/tablewriter over mattn/go-runewidth `StringWidth`) counts
  terminal cells: a grapheme cluster takes the width of its first rune that has one, 2 for East Asian
  wide and emoji, 0 for combining and zero-width runes.
"""

import functools
import unicodedata

import wcwidth

# x/text/unicode/norm's stream-safe limit: after 30 non-starters a segment ends (maxNonStarters).
_MAX_NON_STARTERS = 30
_HANGUL_VOWELS_AND_TRAILS = (range(0x1161, 0x1176), range(0x11A8, 0x11C3))


def segments(text):
    """The number of NFKD normalisation segments in `text`, as Go's norm.Iter counts them."""
    if text.isascii():
        return len(text)
    count = non_starters = 0
    for index, char in enumerate(text):
        decomposed = unicodedata.normalize('NFKD', char)
        marks = sum(1 for mark in decomposed if unicodedata.combining(mark))
        starter = not unicodedata.combining(decomposed[0]) and char not in _combining_backward()
        if index == 0 or starter:
            count, non_starters = count + 1, 0
        elif non_starters + marks > _MAX_NON_STARTERS:
            count, non_starters = count + 1, 0  # norm.Iter ends the segment and starts one with a CGJ
        non_starters += marks
    return count


@functools.cache
def _combining_backward():
    """Characters that compose with the character before them (NFC_Quick_Check=Maybe): not boundaries."""
    seconds = {chr(point) for block in _HANGUL_VOWELS_AND_TRAILS for point in block}
    for point in range(0x30000):  # every canonical composition is below U+30000
        decomposition = unicodedata.decomposition(chr(point))
        if not decomposition or decomposition.startswith('<'):
            continue
        parts = decomposition.split()
        if len(parts) == 2:
            pair = chr(int(parts[0], 16)) + chr(int(parts[1], 16))
            if unicodedata.normalize('NFC', pair) == chr(point):
                seconds.add(pair[1])
    return frozenset(seconds)


def cells(text):
    """Terminal cells of `text`, as go-runewidth's StringWidth counts them."""
    if text.isascii() and text.isprintable():
        return len(text)
    width = 0
    for grapheme in wcwidth.iter_graphemes(text):
        width += next((w for w in map(wcwidth.wcwidth, grapheme) if w > 0), 0)
    return width


def ljust(text, width):
    """`text` padded with spaces to `width` cells."""
    return text + ' ' * max(0, width - cells(text))
