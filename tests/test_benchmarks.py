"""benchmarks/: every implementation the speed benchmarks time computes the same training step.

No timing here (speed is measured by running the scripts on an idle machine); this checks that
the figures they print compare like with like: from the same start, tinygrad_np, the
hand-written numpy step and the yardsticks of eager_floor.py (a minimal engine, the op classes
alone, their array calls replayed) give the same loss and the same updated weights, and the
check itself rejects an implementation that differs.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import eager_floor  # noqa: E402
import train_step  # noqa: E402


@pytest.mark.parametrize("batch, dtype", train_step.CONFIGS)
def test_tinygrad_jitted_and_handwritten_numpy_agree(batch, dtype):
    problem = train_step.make_problem(batch, dtype)
    impls = {"numpy": train_step.numpy_step(problem),
             "tinygrad_np": train_step.tinygrad_step(problem),
             "tinygrad_np jit": train_step.tinygrad_jit_step(problem)}
    train_step.check_agreement(impls, problem, dtype, steps=5)  # jit: eager, record, replays


@pytest.mark.parametrize("batch", [32, 1024])
def test_eager_floor_yardsticks_agree(batch):
    problem = train_step.make_problem(batch, "float32")
    impls = {name: make(problem) for name, make in eager_floor.IMPLS.items()}
    train_step.check_agreement(impls, problem, "float32")


def test_agreement_check_rejects_a_different_step():
    problem = train_step.make_problem(32, "float32")
    step, weights = train_step.numpy_step(problem)

    def off_by_a_little(x, y):
        loss = step(x, y)
        weights()[0][0, 0] += 1e-3  # W1, updated in place by the step
        return loss

    impls = {"numpy": train_step.numpy_step(problem), "wrong": (off_by_a_little, weights)}
    with pytest.raises(AssertionError, match="wrong: updated weights differ"):
        train_step.check_agreement(impls, problem, "float32")


def test_ratios_are_paired_within_rounds():
    """The machine runs twice as slow in the odd rounds; paired per round, the engine's ratio
    is still exactly its ratio within each round (1.0, 1.1, ..., 2.0; median 1.5)."""
    speed = [1.0 if r % 2 == 0 else 2.0 for r in range(11)]
    rounds = {"numpy": [[s, s, s] for s in speed],
              "engine": [[s * (1 + r / 10)] * 3 for r, s in enumerate(speed)]}
    summary = train_step.summarize(rounds)
    assert summary["numpy"]["ratio"] == 1.0 and summary["numpy"]["difference"] == 0.0
    assert summary["engine"]["ratio"] == pytest.approx(1.5)
    assert summary["engine"]["ratio_low"] == pytest.approx(1.1)
    assert summary["engine"]["ratio_high"] == pytest.approx(1.9)
    # a ratio of overall medians would mix the slow and the fast rounds
    assert summary["engine"]["median"] / summary["numpy"]["median"] != pytest.approx(1.5)


def test_help_documents_the_quick_mode_and_the_diagnostics():
    import subprocess

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "train_step.py"
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                          text=True, check=True)
    for flag in ("--quick", "quick mode", "--pin-malloc", "--blas-threads", "plain process"):
        assert flag in done.stdout


def test_the_report_names_the_run_and_the_blas_kernel():
    info = train_step.blas_info()
    assert "kernel" in info and "threads" in info  # threadpoolctl is in the dev extra
    report = {"machine": {"cpu": "cpu", "cores": "2", "python": "3", "numpy": "2",
                          "torch": "-", "tinygrad_np": "0", "malloc_thresholds_pinned": "False",
                          "run": "plain process", "blas": info},
              "matmul_gflops": {"float32": 1.0, "float64": 1.0}, "steps": [],
              "epoch_seconds": {}, "memory": {}}
    markdown = train_step.to_markdown(report)
    assert "Run: plain process." in markdown and f"BLAS: {info}" in markdown


def test_page_faults_prints_one_row_per_implementation():
    import subprocess

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "page_faults.py"
    done = subprocess.run([sys.executable, str(script), "--steps", "5", "--batches", "32"],
                          capture_output=True, text=True, check=True)
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")][1:]
    assert [row.split(" | ")[0][2:] for row in rows] == ["numpy", "tinygrad_np",
                                                        "tinygrad_np jit"]
    assert all(float(row.split(" | ")[1].strip(" |")) >= 0 for row in rows)
