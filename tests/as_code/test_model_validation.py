"""A value `datadog-api-client` accepts without parsing is refused before anything is sent."""

import pytest
from datadog_api_client.v1.model.widget_display_type import WidgetDisplayType

from datadog_exercise.as_code import dashboards, widgets
from datadog_exercise.as_code.catalog import managed
from datadog_exercise.as_code.wire import InvalidModel

REFUSAL = (
    "refusing to send the dashboard 'Datadog exercise: my_metric and MySQL': "
    "widgets[2].definition.requests[0].display_type is 'bar', not one of area, bars, line, overlay"
)
EXERCISE_TIMEBOARD = dashboards.exercise_timeboard


def timeboard_with_bars_misspelt(host):
    """The exercise timeboard with 'bar' where the API wants 'bars' (the old timeboard API's spelling)."""
    board = EXERCISE_TIMEBOARD(host)
    board.widgets[2] = widgets.timeseries_of(
        'my_metric summed per hour', 'sum:my_metric{*}.rollup(sum, 3600)', WidgetDisplayType('bar')
    )
    return board


def test_the_client_itself_takes_an_unknown_enum_value_without_a_word():
    display_type = WidgetDisplayType('bar')

    assert (display_type.value, display_type._unparsed) == ('bar', True)


def test_a_misspelt_enum_is_refused_when_the_object_is_built():
    board = timeboard_with_bars_misspelt('web-1')

    with pytest.raises(InvalidModel) as refused:
        managed('dashboards', board.title, board)

    assert str(refused.value) == REFUSAL


@pytest.mark.parametrize('dry_run', [['--dry-run'], []], ids=['dry-run', 'apply'])
def test_apply_reports_it_on_one_line_and_sends_nothing(run, datadog_env, monkeypatch, dry_run):
    monkeypatch.setattr(dashboards, 'exercise_timeboard', timeboard_with_bars_misspelt)

    result = run('apply', *dry_run, '--host', 'web-1', '--notify', '@alice@example.com')

    assert (result.exit_code, result.stdout, result.stderr) == (1, '', f'Error: {REFUSAL}\n')
    assert datadog_env.requests == []


def test_a_misspelt_comparator_in_a_nested_list_is_found_too():
    widget = widgets.query_value('Data age (s)', 'min:elec_france.data.age{*}', 'last', [('=>', 1, 'white_on_red')])

    with pytest.raises(InvalidModel) as refused:
        managed('dashboards', 'T', dashboards.dashboard('test', 'T', 'Test.', [widget]))

    assert str(refused.value) == (
        "refusing to send the dashboard 'T': "
        'widgets[0].definition.requests[0].formulas[0].conditional_formats[0].comparator '
        "is '=>', not one of <, <=, =, >, >="
    )
