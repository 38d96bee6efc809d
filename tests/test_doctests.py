"""The docstring examples of every tinygrad_np module run, and give what they show."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import tinygrad_np

MODULES = sorted(info.name for info in pkgutil.walk_packages(tinygrad_np.__path__,
                                                               prefix="tinygrad_np."))


def run_doctests(module_name: str) -> doctest.TestResults:
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(module, module_name):
        runner.run(test)
    return runner.summarize(verbose=False)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    results = run_doctests(module_name)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples failed"


def test_every_module_is_found_and_the_examples_are_many():
    """The walk sees the subpackages too, and the package's examples really run (a test
    that ran none would pass whatever the docstrings said)."""
    assert {"tinygrad_np.tensor", "tinygrad_np.function", "tinygrad_np.nn.checkpoint",
            "tinygrad_np.ops.compare", "tinygrad_np.viz.emit"} <= set(MODULES)
    assert run_doctests("tinygrad_np.ops.compare").attempted >= 4
    assert run_doctests("tinygrad_np.function").attempted >= 5
