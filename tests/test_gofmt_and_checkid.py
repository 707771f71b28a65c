"""Go formatting and the Agent's check IDs. Expected values were produced by Go itself
(fmt %v, encoding/json, time.Duration) and by the Agent's BuildID code (yaml.v2 + murmur3 + FNV-1)."""

import pytest
import yaml

from datadog_exercise.runner.checkid import check_id
from datadog_exercise.runner.gofmt import go_duration, go_fixed, go_float, go_json, go_json_float
from datadog_exercise.runner.yamlv2 import marshal


@pytest.mark.parametrize(
    'value, text',
    [
        (1, '1'),
        (0.5, '0.5'),
        (999999, '999999'),
        (1e6, '1e+06'),
        (1234567, '1.234567e+06'),
        (1234567.1, '1.2345671e+06'),
        (123456.789, '123456.789'),
        (0.0001, '0.0001'),
        (0.00001, '1e-05'),
        (1e20, '1e+20'),
        (-4132, '-4132'),
        (0, '0'),
    ],
)
def test_points_print_like_go_percent_v(value, text):
    assert go_float(value) == text


@pytest.mark.parametrize(
    'value, text',
    [(1234567, '1234567'), (1e20, '100000000000000000000'), (1e21, '1e+21'), (0.000001, '0.000001'), (1e-7, '1e-7')],
)
def test_json_numbers_print_like_go_encoding_json(value, text):
    assert go_json_float(value) == text


@pytest.mark.parametrize(
    'milliseconds, text',
    [
        (0, '0s'),
        (13, '13ms'),
        (999, '999ms'),
        (1000, '1s'),
        (1001, '1.001s'),
        (1500, '1.5s'),
        (60000, '1m0s'),
        (61000, '1m1s'),
        (3600000, '1h0m0s'),
        (123456789, '34h17m36.789s'),
    ],
)
def test_durations_print_like_go(milliseconds, text):
    assert go_duration(milliseconds / 1000) == text


def test_table_values_never_use_an_exponent():
    assert [go_fixed(v) for v in (8502900, 0.00001, 1.5)] == ['8502900', '0.00001', '1.5']


def test_go_json_escapes_html_characters_and_keeps_key_order():
    assert go_json({'b': 'a<b>&c', 'a': []}) == '{\n  "b": "a\\u003cb\\u003e\\u0026c",\n  "a": []\n}'


AGENT_IDS = [
    ('x', 'init_config:\ninstances:\n  - {}\n', ['x:fb37face757a27bc']),
    ('x', 'init_config: {}\ninstances:\n  - min_collection_interval: 45\n', ['x:3dbf0132ed29d594']),
    ('ntp', 'init_config:\n\ninstances:\n\n  -\n    # offset_threshold: 60\n', ['ntp:3c427a42a70bbf8']),
    ('failing', 'instances:\n  - {}\n', ['failing:7922006c3a2c7eb8']),
    (
        'x',
        """\
init_config:
  service: foo
  timeout: 5
instances:
  - url: http://localhost:8200
    tags:
      - env:prod
      - "team:a b"
    name: primary
    ratio: 0.5
    enabled: true
    big: 1000000.0
    empty_list: []
    nested:
      b: 2
      a: 1
      list:
        - x: 1
          why: "2"
    multiline: "line1\\nline2"
    n10: 10
    n2: 2
    Z: upper
    nul:
  - namespace: ns1
    url: "yes"
""",
        ['x:primary:db22ab12b16b424a', 'x:ns1:e87fad511ee2d02b'],
    ),
    (
        'elec_france',
        """\
init_config:
  min: 1
instances:
  - min_collection_interval: 45
    tags:
      - team:sre
      - "exercise:datadog"
    eco2mix_url: https://eco2mix.rte-france.com/curves/eco2mixWeb
    max_data_age: 7200
    co2: true
    source: auto
    description: "it's: quoted # maybe"
    empty: ""
    date: 2023-09-21
    lead: " spaced"
""",
        ['elec_france:752f4a2fb0b1aca5'],
    ),
]


@pytest.mark.parametrize('name, config, expected', AGENT_IDS)
def test_instance_ids_are_the_agents(name, config, expected):
    document = yaml.safe_load(config)
    instances = [instance or {} for instance in document['instances']]

    ids = [check_id(name, instance, document.get('init_config'), instances) for instance in instances]

    assert ids == expected


def test_yaml_v2_marshal_sorts_keys_naturally_and_does_not_indent_sequences():
    instance = {'n10': 1, 'n2': 2, 'tags': ['a', 'b'], 'Z': 'yes'}
    assert marshal(instance) == b'Z: "yes"\nn2: 2\nn10: 1\ntags:\n- a\n- b\n'
