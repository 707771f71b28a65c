"""The committed fixtures, and the recording the package ships, are exactly what tests/fixtures/build.py renders
from RTE's figures."""

import pytest

from datadog_exercise.paths import SAMPLE_FOLDER

from fixtures.build import fixtures, sample
from support import FIXTURES

RENDERED = fixtures()
SAMPLE = sample(RENDERED)
# Not rendered from RTE's figures: a record of the check's own behaviour (see tests/fixtures/README.md's table).
RECORDED = {'elec_france_national_before_issue_12.json'}


@pytest.mark.parametrize('name', sorted(RENDERED))
def test_fixture_is_current(name):
    assert (FIXTURES / name).read_text(encoding='utf-8') == RENDERED[name]


@pytest.mark.parametrize('name', sorted(SAMPLE))
def test_the_shipped_sample_is_current(name):
    assert (SAMPLE_FOLDER / name).read_text(encoding='utf-8') == SAMPLE[name]


def test_the_shipped_sample_holds_only_what_build_renders():
    assert sorted(path.name for path in SAMPLE_FOLDER.iterdir()) == sorted(SAMPLE)


def test_every_fixture_is_rendered_and_documented():
    committed = {path.name for path in FIXTURES.iterdir() if path.suffix in ('.xml', '.json', '.html')}
    documented = (FIXTURES / 'README.md').read_text(encoding='utf-8')
    assert committed == set(RENDERED) | RECORDED
    assert all(f'`{name}`' in documented for name in committed)
    assert f'`datadog_exercise/elec_france/samples/{SAMPLE_FOLDER.name}/`' in documented
