"""The committed fixtures are exactly what tests/fixtures/build.py renders from RTE's figures."""

import pytest

from fixtures.build import fixtures
from support import FIXTURES

RENDERED = fixtures()
# Not rendered from RTE's figures: a record of the check's own behaviour (see tests/fixtures/README.md's table).
RECORDED = {'elec_france_national_before_issue_12.json'}


@pytest.mark.parametrize('name', sorted(RENDERED))
def test_fixture_is_current(name):
    assert (FIXTURES / name).read_text(encoding='utf-8') == RENDERED[name]


def test_every_fixture_is_rendered_and_documented():
    committed = {path.name for path in FIXTURES.iterdir() if path.suffix in ('.xml', '.json', '.html')}
    documented = (FIXTURES / 'README.md').read_text(encoding='utf-8')
    assert committed == {name for name in RENDERED if '/' not in name} | RECORDED
    assert all(f'`{name}`' in documented for name in committed)
    # Recordings rendered here are documented by their folder; a recording dropped in by hand, by its own README.
    folders = {name.rpartition('/')[0] for name in RENDERED if name.startswith('recordings/')}
    assert folders and all(f'`{folder}/`' in documented for folder in folders)
