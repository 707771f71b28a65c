"""With every option issue 12 added off, `elec_france` sends the same requests and submits the same metrics,
service checks and warnings as before it, run by run (the record was made with the check of commit 6f12c1f),
but for the changes made on purpose since, which `with_changes_since` applies to the record."""

import json

import national_behaviour

from support import FIXTURES

BEFORE = FIXTURES / 'elec_france_national_before_issue_12.json'


def test_with_every_new_option_off_the_check_behaves_exactly_as_before():
    before = with_changes_since(json.loads(BEFORE.read_text(encoding='utf-8')))

    now = national_behaviour.behaviour()

    assert list(now) == list(before)
    for scenario, runs in before.items():
        assert now[scenario] == runs, scenario
    assert sum(len(run['requests']) for runs in before.values() for run in runs) == 36  # the record is not empty


FALLBACK = 'éCO2mix failed ('


def with_changes_since(record):
    """The record, changed as the check was on purpose after it: while ODRE serves because éCO2mix failed,
    `can_connect` is WARNING with the fallback's reason, not OK (issue 10, item 8), until a fetch ends it."""
    for runs in record.values():
        serving = None  # the reason ODRE serves, from the last run that fetched
        for run in runs:
            if run['requests']:
                serving = next((warning for warning in run['warnings'] if warning.startswith(FALLBACK)), None)
            if serving is not None:
                run['service_checks'] = [
                    [name, 1, tags, serving]
                    if name == 'elec_france.can_connect' and status == 0
                    else [name, status, tags, message]
                    for name, status, tags, message in run['service_checks']
                ]
    return record
