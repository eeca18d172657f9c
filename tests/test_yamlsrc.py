"""YAML that remembers lines: values are typed exactly as PyYAML's safe loader types them."""

from pathlib import Path

import yaml

from digestgen.content.yamlsrc import parse_yaml

# One scalar of each style and of each type a plain scalar can resolve to.
DOCUMENT = """\
quoted_number: '2403.10001'
plain_number: 2403.10001
double_quoted_date: "2024-03-20"
plain_date: 2024-03-20
plain_int: 12
plain_bool: true
plain_null: ~
non_specific_tag: ! 12
block: |
  12
folded: >-
  true
long_plain: this plain value is longer than forty characters, and is text
"""


def test_scalars_of_every_style_are_typed_as_pyyaml_types_them():
    parsed = parse_yaml(DOCUMENT, Path("x.yaml"))
    assert parsed == yaml.safe_load(DOCUMENT)
    assert parsed["quoted_number"] == "2403.10001" and parsed["plain_number"] == 2403.10001
    assert parsed["double_quoted_date"] == "2024-03-20" and parsed["folded"] == "true"
    assert parsed.line_of("block") == 9
