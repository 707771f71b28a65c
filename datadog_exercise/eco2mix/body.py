"""Checks shared by both parsers before they look inside a body, and the capped list of problems."""

import re

from .model import FeedError

MAX_BYTES = 8 * 1024 * 1024  # a 31-day XML document is about 2 MB
MAX_PROBLEMS = 20
MISSING = frozenset({'', 'ND', '-'})  # how the feeds write "no value"

_HTML = re.compile(rb'^\s*(<!doctype\s+html|<html)', re.IGNORECASE)
_TITLE = re.compile(rb'<title[^>]*>(.*?)</title>', re.IGNORECASE | re.DOTALL)


def checked_body(body, max_bytes, expected):
    """`body` as bytes, or FeedError when it is empty, too large or an HTML page instead of `expected`."""
    if not isinstance(body, bytes | bytearray):
        raise FeedError(f'expected the response body as bytes, got {type(body).__name__}')
    if not body or body.isspace():  # isspace() scans in place; strip() would copy the whole body
        raise FeedError(f'empty response body ({len(body)} bytes)')
    if len(body) > max_bytes:
        raise FeedError(f'response body of {len(body)} bytes exceeds the {max_bytes}-byte limit')
    if _HTML.match(body):
        raise FeedError(f'received an HTML page, not {expected}{_title_of(body)}')
    return bytes(body)


def _title_of(body):
    match = _TITLE.search(body[:65536])
    if not match:
        return ''
    title = ' '.join(match.group(1).decode('utf-8', 'replace').split())
    return f' (title: {title[:120]!r})'


def note(problems, message):
    """Record a problem; past MAX_PROBLEMS the rest are dropped, so a hostile body cannot grow the list."""
    if len(problems) < MAX_PROBLEMS:
        problems.append(message)
