"""Widgets in the formulas-and-functions form: named metric queries, and formulas over them."""

from datadog_api_client.v1.model.formula_and_function_metric_aggregation import FormulaAndFunctionMetricAggregation
from datadog_api_client.v1.model.formula_and_function_metric_data_source import FormulaAndFunctionMetricDataSource
from datadog_api_client.v1.model.formula_and_function_metric_query_definition import (
    FormulaAndFunctionMetricQueryDefinition,
)
from datadog_api_client.v1.model.formula_and_function_response_format import FormulaAndFunctionResponseFormat
from datadog_api_client.v1.model.query_sort_order import QuerySortOrder
from datadog_api_client.v1.model.query_value_widget_definition import QueryValueWidgetDefinition
from datadog_api_client.v1.model.query_value_widget_definition_type import QueryValueWidgetDefinitionType
from datadog_api_client.v1.model.query_value_widget_request import QueryValueWidgetRequest
from datadog_api_client.v1.model.timeseries_widget_definition import TimeseriesWidgetDefinition
from datadog_api_client.v1.model.timeseries_widget_definition_type import TimeseriesWidgetDefinitionType
from datadog_api_client.v1.model.timeseries_widget_request import TimeseriesWidgetRequest
from datadog_api_client.v1.model.toplist_widget_definition import ToplistWidgetDefinition
from datadog_api_client.v1.model.toplist_widget_definition_type import ToplistWidgetDefinitionType
from datadog_api_client.v1.model.toplist_widget_request import ToplistWidgetRequest
from datadog_api_client.v1.model.widget import Widget
from datadog_api_client.v1.model.widget_axis import WidgetAxis
from datadog_api_client.v1.model.widget_comparator import WidgetComparator
from datadog_api_client.v1.model.widget_conditional_format import WidgetConditionalFormat
from datadog_api_client.v1.model.widget_display_type import WidgetDisplayType
from datadog_api_client.v1.model.widget_formula import WidgetFormula
from datadog_api_client.v1.model.widget_formula_limit import WidgetFormulaLimit
from datadog_api_client.v1.model.widget_palette import WidgetPalette

LINE = WidgetDisplayType.LINE
AREA = WidgetDisplayType.AREA  # several series in one area request are stacked
BARS = WidgetDisplayType.BARS


def metric(name, query, aggregator=None):
    """A metric query that formulas refer to by `name`; `aggregator` reduces it to one number per group."""
    extra = {} if aggregator is None else {'aggregator': FormulaAndFunctionMetricAggregation(aggregator)}
    return FormulaAndFunctionMetricQueryDefinition(
        data_source=FormulaAndFunctionMetricDataSource.METRICS, name=name, query=query, **extra
    )


def formula(expression, alias=None):
    extra = {} if alias is None else {'alias': alias}
    return WidgetFormula(formula=expression, **extra)


def timeseries(title, queries, formulas, display_type=LINE, yaxis=None):
    """A timeseries widget: one request holding `queries` and the `formulas` drawn from them."""
    return _timeseries(title, [_request(queries, formulas, display_type)], yaxis)


def timeseries_two_axes(title, left, right):
    """Two series of different units on one graph: `left` and `right` are (name, query, alias), the right one
    drawn against a second y-axis (`on_right_yaxis`)."""
    requests = [
        _request([metric(name, query)], [formula(name, alias)], LINE, on_right_yaxis=side == 'right')
        for side, (name, query, alias) in (('left', left), ('right', right))
    ]
    return _timeseries(title, requests)


def _request(queries, formulas, display_type, on_right_yaxis=False):
    extra = {'on_right_yaxis': True} if on_right_yaxis else {}
    return TimeseriesWidgetRequest(
        queries=queries,
        formulas=formulas,
        response_format=FormulaAndFunctionResponseFormat.TIMESERIES,
        display_type=display_type,
        **extra,
    )


def _timeseries(title, requests, yaxis=None):
    definition = TimeseriesWidgetDefinition(
        title=title, type=TimeseriesWidgetDefinitionType.TIMESERIES, requests=requests
    )
    if yaxis is not None:
        definition.yaxis = WidgetAxis(min=str(yaxis[0]), max=str(yaxis[1]))
    return Widget(definition=definition)


def timeseries_of(title, query, display_type=LINE):
    """The common case: one metric query, drawn as it is."""
    return timeseries(title, [metric('query1', query)], [formula('query1')], display_type)


def query_value(title, query, aggregator, rules):
    """One number, the last value of `query`, coloured by `rules`: `(comparator, value, palette)` triples.

    The rules go on the formula (`WidgetFormula.conditional_formats` in the v1 specification), as Datadog's
    own formulas-and-functions examples do (datadog-api-client-python,
    tests/v1/features/dashboards_json_payload/query_table_widget.json).
    """
    conditional_formats = [
        WidgetConditionalFormat(comparator=WidgetComparator(comparator), value=value, palette=WidgetPalette(palette))
        for comparator, value, palette in rules
    ]
    request = QueryValueWidgetRequest(
        queries=[metric('query1', query, aggregator)],
        formulas=[WidgetFormula(formula='query1', conditional_formats=conditional_formats)],
        response_format=FormulaAndFunctionResponseFormat.SCALAR,
    )
    return Widget(
        definition=QueryValueWidgetDefinition(
            title=title, type=QueryValueWidgetDefinitionType.QUERY_VALUE, requests=[request], precision=0
        )
    )


def toplist(title, query, aggregator, count):
    """The `count` largest groups of `query`, largest first."""
    request = ToplistWidgetRequest(
        queries=[metric('query1', query, aggregator)],
        formulas=[WidgetFormula(formula='query1', limit=WidgetFormulaLimit(count=count, order=QuerySortOrder.DESC))],
        response_format=FormulaAndFunctionResponseFormat.SCALAR,
    )
    return Widget(
        definition=ToplistWidgetDefinition(title=title, type=ToplistWidgetDefinitionType.TOPLIST, requests=[request])
    )
