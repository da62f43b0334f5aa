"""The dataset and the constellation are read with libyaml's parser (several times faster than
PyYAML's pure-Python one, which every pytest process paid at start-up), in one parse for the
document and its line numbers, with the same documents and the same errors."""

from __future__ import annotations

import yaml

from conftest import ROOT
from odmd_bdd.data import yamlfile
from odmd_bdd.data.dataset import Dataset, _line_index

DATASET = ROOT / "fixtures" / "dataset" / "master-mock-dataset.yaml"


def test_libyaml_parses_when_pyyaml_has_it():
    assert yaml.__with_libyaml__  # the venv's PyYAML wheel carries it
    assert yamlfile.SafeLoader is yaml.CSafeLoader


def test_the_same_document_and_lines_from_one_parse():
    text = DATASET.read_text(encoding="utf-8")
    document, root = yamlfile.load_with_nodes(text)
    assert document == yaml.safe_load(text)
    assert _line_index(root) == _line_index(yaml.compose(text))
    assert yamlfile.load_with_nodes("") == (None, None)


def test_a_yaml_error_still_names_the_line(tmp_path):
    bad = tmp_path / "dataset.yaml"
    bad.write_text("constants:\n  A: 1\n  B: [unclosed\n", encoding="utf-8")
    try:
        Dataset.load(bad)
    except Exception as exc:  # DatasetError
        assert f"{bad}:" in str(exc) and "invalid YAML" in str(exc)
    else:
        raise AssertionError("an invalid dataset loaded")
