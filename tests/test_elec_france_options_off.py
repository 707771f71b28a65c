"""With every option issue 12 added off, `elec_france` sends the same requests and submits the same metrics,
service checks and warnings as before it, run by run (the record was made with the check of commit 6f12c1f)."""

import json

import national_behaviour

from support import FIXTURES

BEFORE = FIXTURES / 'elec_france_national_before_issue_12.json'


def test_with_every_new_option_off_the_check_behaves_exactly_as_before():
    before = json.loads(BEFORE.read_text(encoding='utf-8'))

    now = national_behaviour.behaviour()

    assert list(now) == list(before)
    for scenario, runs in before.items():
        assert now[scenario] == runs, scenario
    assert sum(len(run['requests']) for runs in before.values() for run in runs) == 36  # the record is not empty
