"""A feed's body before a parser looks inside: size and kind checked, then parsed as hardened XML or as JSON.

Both parsers raise FeedError and nothing else, whatever the bytes: every exception lxml or json can
raise on a byte string is turned into one, with a message of bounded length.
"""

import json
import re

from lxml import etree

from .model import FeedError
from .reading import MAX_MESSAGE, shown

MAX_BYTES = 8 * 1024 * 1024  # a 31-day XML document is about 2 MB
MISSING = frozenset({'', 'ND', '-'})  # how the feeds write "no value"

_HTML = re.compile(rb'^\s*(<!doctype\s+html|<html)', re.IGNORECASE)
_TITLE = re.compile(rb'<title[^>]*>(.*?)</title>', re.IGNORECASE | re.DOTALL)
_DOCTYPE = re.compile(rb'<!DOCTYPE', re.IGNORECASE)
_ELEMENT_START = re.compile(rb'<[A-Za-z_]')
_XML_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,  # libxml2's own limits stay on: 256 levels of nesting, 10 MB per text node
    remove_comments=True,
    remove_pis=True,
)


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


def parse_xml(body, max_bytes, expected):
    """The root element of an XML body, parsed with entities, DTDs and network access refused."""
    body = checked_body(body, max_bytes, expected)
    # Refused before lxml sees it: entity declarations (XXE, billion laughs) live in a DTD, which can
    # only stand before the root element; the docinfo check after parsing is the second line.
    root_start = _ELEMENT_START.search(body)
    doctype = _DOCTYPE.search(body, 0, root_start.start() if root_start else len(body))
    if doctype:
        raise FeedError(
            f'refused a document that declares a DTD ({_excerpt(body, doctype.start())}): the feed never has one'
        )
    try:
        root = etree.fromstring(body, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise FeedError(f'malformed XML ({len(body)} bytes): {_bounded(error)}') from None
    except (etree.LxmlError, ValueError) as error:  # e.g. a declaration lxml refuses, an unknown encoding
        raise FeedError(f'unreadable XML ({len(body)} bytes): {_bounded(error)}') from None
    if root is None:
        raise FeedError(f'malformed XML ({len(body)} bytes): no root element')
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise FeedError(f'refused a document that declares a DTD ({shown(docinfo.doctype)}): the feed never has one')
    return root


def parse_json(body, max_bytes, expected):
    """The JSON value of a body; `NaN` and `Infinity`, which JSON does not have, are refused."""
    body = checked_body(body, max_bytes, expected)
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:  # ValueError covers bad UTF-8 and 4301-digit integers
        raise FeedError(f'malformed JSON ({len(body)} bytes): {_bounded(error)}') from None


def _refuse_constant(name):
    raise ValueError(f'{name} is not a JSON number')


def _bounded(error):
    """An exception's text, short enough for a message: lxml quotes the feed's tag names in its own."""
    text = ' '.join(str(error).split())
    return text[:MAX_MESSAGE] + ('...' if len(text) > MAX_MESSAGE else '')


def _title_of(body):
    match = _TITLE.search(body[:65536])
    if not match:
        return ''
    title = ' '.join(match.group(1).decode('utf-8', 'replace').split())
    return f' (title: {shown(title, 120)})'


def _excerpt(body, start, length=60):
    text = body[start : start + length].decode('utf-8', 'replace')
    return ' '.join(text.split()) + ('...' if len(body) > start + length else '')
