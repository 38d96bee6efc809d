"""Time one training step of the two-layer MNIST net: tinygrad_np (eager, and the whole step
under jit) vs hand-written numpy vs PyTorch vs JAX jit (when installed).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/train_step.py
                                               # full run: 5 fresh processes, 2-3 minutes
    python benchmarks/train_step.py --quick    # quick mode: one process, 8 rounds, no
                                               # memory loop (a minute; for a first look)

The headline is what a user gets: a plain process, with the libraries' default threads, no
allocator tuning (no mallopt) and no environment changes. Every row reports minor page
faults per step, and the report names the BLAS library and kernel in use (threadpoolctl).
Diagnostics, labelled as such in the report: --pin-malloc (glibc's mmap/trim thresholds
fixed), --blas-threads 1 (every implementation's matmuls on one thread), --omp-passive
(PyTorch's OpenMP threads sleep instead of spinning).

The step: 784-100-10, ReLU, mean softmax cross-entropy, 1e-4 * 0.5 * ||W||^2 on both weights,
SGD lr 0.1, on fixed synthetic data. All implementations start from the same weights, are
checked to compute the same loss and updated weights (relative 1e-4) before any timing, and
are timed interleaved, round by round, so machine noise cancels in the ratios; the whole is
repeated in fresh processes, since each lays its arrays out in memory differently. Run it on
an idle machine: anything else running makes the figures meaningless.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_np
from tinygrad_np import Tensor, optim, relu
from tinygrad_np.files import atomic_path
from tinygrad_np.memory import empty_aligned

IN, HIDDEN, OUT = 784, 100, 10
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


def pin_malloc_thresholds() -> bool:
    """Fix glibc's mmap and trim thresholds for the whole run.

    glibc moves its mmap threshold to the size of the last large block freed. With several
    implementations interleaved in one process, one of them can set it to exactly the size
    of another's weight gradients, which are then mmapped fresh, page-faulting on every step
    (seen here: 124 faults per step, against 0 when that implementation runs alone).
    Pinning the thresholds makes every implementation allocate as it would on its own.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)
                    and libc.mallopt(M_TRIM_THRESHOLD, 256 << 20))
    except (OSError, AttributeError):  # not glibc: nothing to pin
        return False


def aligned_copy(array: np.ndarray, offset: int = 0) -> np.ndarray:
    """A copy on a 64-byte boundary (or `offset` bytes past one), as PyTorch and JAX
    allocate theirs (their rows copy the weights into their own buffers). numpy's malloc
    gives 16 bytes, and a weight off a cache line makes the whole step about 20% slower,
    numpy's and ours alike (benchmarks/alignment.py): the start weights must not decide the
    ratios by luck."""
    raw = empty_aligned((array.nbytes + offset,), np.uint8)
    out = raw[offset:].view(array.dtype).reshape(array.shape)
    np.copyto(out, array)
    return out


def page_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
LR, LAM = 0.1, 1e-4
SLOWED_DOWN = 0.8  # matmul peak around a configuration, as a fraction of the best one seen
CONFIGS = [(32, "float32"), (128, "float32"), (1024, "float32"), (128, "float64")]


def make_problem(batch: int, dtype: str, seed: int = 0,
                 sizes: tuple[int, int, int] = (IN, HIDDEN, OUT)) -> dict[str, Any]:
    """Fixed synthetic data and Glorot-uniform weights for a `sizes` (in, hidden, out) net."""
    n_in, hidden, n_out = sizes
    rng = np.random.default_rng(seed)
    limit1, limit2 = np.sqrt(6 / (n_in + hidden)), np.sqrt(6 / (hidden + n_out))
    return {
        "x": aligned_copy(rng.random((batch, n_in)).astype(dtype)),
        "y": rng.integers(0, n_out, batch),
        "W1": rng.uniform(-limit1, limit1, (n_in, hidden)).astype(dtype),
        "b1": np.zeros(hidden, dtype),
        "W2": rng.uniform(-limit2, limit2, (hidden, n_out)).astype(dtype),
        "b2": np.zeros(n_out, dtype),
    }


Step = Callable[[Any, Any], Any]  # step(x_batch, y_batch) -> loss


def tinygrad_step(p: dict[str, Any], jitted: bool = False, offset: int = 0
                  ) -> tuple[Step, Callable[[], list]]:
    """The step as a user writes it: zero_grad, expressions, backward, optimizer step. With
    `jitted`, the whole step runs under `tinygrad_np.jit` (recorded on the second call,
    replayed from the third)."""
    W1, b1, W2, b2 = (Tensor(aligned_copy(p[k], offset), requires_grad=True)
                      for k in ("W1", "b1", "W2", "b2"))
    sgd = optim.SGD([W1, b1, W2, b2], lr=LR)

    def train_step(x: Any, y: Any) -> Tensor:
        sgd.zero_grad()
        logits = relu(Tensor(x) @ W1 + b1) @ W2 + b2
        loss = logits.softmax_cross_entropy(y) + LAM * (W1.l2() + W2.l2())
        loss.backward()
        sgd.step()
        return loss

    run = tinygrad_np.jit(train_step) if jitted else train_step

    def step(x: Any, y: Any) -> Any:
        return run(x, y).data

    return step, lambda: [W1.data, b1.data, W2.data, b2.data]


def tinygrad_jit_step(p: dict[str, Any], offset: int = 0) -> tuple[Step, Callable[[], list]]:
    return tinygrad_step(p, jitted=True, offset=offset)


def numpy_step(p: dict[str, Any], offset: int = 0) -> tuple[Step, Callable[[], list]]:
    """The same step by hand in numpy, written for speed: the zero-overhead reference."""
    W1, b1, W2, b2 = (aligned_copy(p[k], offset) for k in ("W1", "b1", "W2", "b2"))

    def step(x: Any, y: Any) -> Any:
        nonlocal W1, b1, W2, b2  # updated in place below
        n = len(x)
        rows = np.arange(n)
        h_pre = x @ W1
        h_pre += b1
        h = np.maximum(h_pre, 0)
        logits = h @ W2
        logits += b2
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        total = e.sum(axis=1, keepdims=True)
        w1, w2 = W1.reshape(-1), W2.reshape(-1)
        loss = (np.log(total[:, 0]) - logits[rows, y]).sum() / n \
            + LAM * 0.5 * (w1.dot(w1) + w2.dot(w2))
        d = e / total
        d[rows, y] -= 1
        d /= n
        gW2 = h.T @ d
        gW2 += LAM * W2
        gb2 = d.sum(axis=0)
        dh = d @ W2.T
        dh *= h_pre > 0
        gW1 = x.T @ dh
        gW1 += LAM * W1
        gb1 = dh.sum(axis=0)
        W1 -= LR * gW1
        b1 -= LR * gb1
        W2 -= LR * gW2
        b2 -= LR * gb2
        return loss

    return step, lambda: [W1, b1, W2, b2]


def torch_step(p: dict[str, Any]) -> tuple[Step, Callable[[], list]] | None:
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    W1, b1, W2, b2 = (torch.tensor(p[k].copy(), requires_grad=True)
                      for k in ("W1", "b1", "W2", "b2"))
    sgd = torch.optim.SGD([W1, b1, W2, b2], lr=LR)

    def step(x: Any, y: Any) -> Any:
        logits = torch.relu(torch.from_numpy(x) @ W1 + b1) @ W2 + b2
        loss = F.cross_entropy(logits, torch.from_numpy(y)) \
            + LAM * 0.5 * ((W1 * W1).sum() + (W2 * W2).sum())
        sgd.zero_grad()
        loss.backward()
        sgd.step()
        return loss.detach()

    return step, lambda: [t.detach().numpy() for t in (W1, b1, W2, b2)]


def jax_step(p: dict[str, Any]) -> tuple[Step, Callable[[], list]] | None:
    """The same step as one `jax.jit`-compiled function on the CPU; None when JAX is not
    installed (or, for float64, when JAX runs without x64)."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    if p["x"].dtype == np.float64 and not jax.config.jax_enable_x64:
        return None
    cpu = jax.devices("cpu")[0]
    weights = [jax.device_put(p[k].copy(), cpu) for k in ("W1", "b1", "W2", "b2")]

    def loss_fn(w: list, x: Any, y: Any) -> Any:
        W1, b1, W2, b2 = w
        logits = jnp.maximum(x @ W1 + b1, 0) @ W2 + b2
        log_probs = logits - jax.scipy.special.logsumexp(logits, axis=1, keepdims=True)
        data = -jnp.take_along_axis(log_probs, y[:, None], axis=1).mean()
        return data + LAM * 0.5 * ((W1 * W1).sum() + (W2 * W2).sum())

    @jax.jit
    def update(w: list, x: Any, y: Any) -> Any:
        loss, grads = jax.value_and_grad(loss_fn)(w, x, y)
        return [wi - LR * gi for wi, gi in zip(w, grads)], loss

    def step(x: Any, y: Any) -> Any:
        nonlocal weights
        weights, loss = update(weights, x, y)
        return loss.block_until_ready()

    return step, lambda: [np.asarray(w) for w in weights]


def blas_info() -> str:
    """The BLAS library, version, kernel and threads numpy's matmuls run on (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    found = [f"{i.get('internal_api')} {i.get('version')}, kernel "
             f"{i.get('architecture', 'unknown')}, {i.get('num_threads')} threads"
             for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(found) or "none found"


def check_agreement(impls: dict[str, Any], problem: dict[str, Any], dtype: str,
                    steps: int = 3) -> None:
    """`steps` steps from the same start (three: a jitted step is recorded on the second and
    replayed on the third): the same last loss and the same weights, or no timing."""
    results = {}
    for name, (step, weights) in impls.items():
        for _ in range(steps):
            loss = float(step(problem["x"], problem["y"]))
        results[name] = (loss, [np.array(w, copy=True) for w in weights()])
    ref_loss, ref_weights = results["numpy"]
    tol = 1e-4 if dtype == "float32" else 1e-10
    for name, (loss, weights) in results.items():
        if abs(loss - ref_loss) > tol * abs(ref_loss):
            sys.exit(f"{name}: loss {loss} differs from numpy's {ref_loss}")
        for w, ref in zip(weights, ref_weights):
            np.testing.assert_allclose(w, ref, rtol=tol, atol=tol * np.abs(ref).max(),
                                       err_msg=f"{name}: updated weights differ from numpy's")


def time_interleaved(steps: dict[str, Callable[[], Any]], rounds: int, seconds_per_round: float
                     ) -> tuple[dict[str, list[list[float]]], dict[str, float]]:
    """Per-step times, one list per round, and page faults per step; each round runs every
    implementation in turn (rotating the order)."""
    for step in steps.values():  # warm up
        for _ in range(20):
            step()
    counts = {}
    for name, step in steps.items():
        start = time.perf_counter()
        for _ in range(10):
            step()
        counts[name] = max(3, int(seconds_per_round / ((time.perf_counter() - start) / 10)))
    times: dict[str, list[list[float]]] = {name: [] for name in steps}
    faults = dict.fromkeys(steps, 0)
    names = list(steps)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            step, record = steps[name], []
            before = page_faults()
            for _ in range(counts[name]):
                start = time.perf_counter()
                step()
                record.append(time.perf_counter() - start)
            faults[name] += page_faults() - before
            times[name].append(record)
    return times, {name: faults[name] / sum(map(len, times[name])) for name in steps}


def summarize(rounds: dict[str, list[list[float]]], base: str = "numpy") -> dict[str, dict]:
    """Median step time over all rounds, and the ratio to `base` as a paired comparison: the
    median over rounds of (this round's median / base's median in the same round), with the
    10th and 90th percentiles of those per-round ratios. Pairing within a round cancels the
    slow swings of a shared machine (seen here: the matmul peak halving for seconds at a time),
    which a ratio of two overall medians would not."""
    summary = {}
    for name, rs in rounds.items():
        pairs = [(statistics.median(r), statistics.median(b)) for r, b in zip(rs, rounds[base])]
        per_round = [mine / theirs for mine, theirs in pairs]
        deciles = (statistics.quantiles(per_round, n=10, method="inclusive")
                   if len(per_round) > 1 else per_round * 9)
        summary[name] = {"median": statistics.median([t for r in rs for t in r]),
                         "ratio": statistics.median(per_round),
                         "ratio_low": deciles[0], "ratio_high": deciles[-1],
                         "difference": statistics.median(mine - theirs for mine, theirs in pairs)}
    return summary


def matmul_gflops(dtype: str, repeats: int = 20) -> float:
    """The best of `repeats` timed 1024x1024 products: the machine's peak, not its average."""
    a = np.random.default_rng(0).random((1024, 1024)).astype(dtype)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - start)
    return 2 * 1024 ** 3 / best / 1e9


def step_flops(batch: int) -> int:
    """Matmul FLOPs of one step: forward x@W1, h@W2; backward h.T@d, d@W2.T, x.T@dh."""
    return 2 * batch * (IN * HIDDEN * 2 + HIDDEN * OUT * 3)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_loop(steps: int) -> dict[str, float]:
    """Peak RSS at step 1,000 and at the last step, eager and then jitted."""
    problem = make_problem(128, "float32")
    marks = {}
    for prefix, factory in (("", tinygrad_step), ("jit_", tinygrad_jit_step)):
        step, _ = factory(problem)
        for i in range(1, steps + 1):
            step(problem["x"], problem["y"])
            if i in (1000, steps):
                marks[f"{prefix}peak_rss_mib_at_{i}"] = round(peak_rss_mib(), 1)
    return marks


EPOCHS = {
    "first": "includes jit's first call and recording for the full batches",
    "second": "includes jit's recording for the short last batch (its second call)",
    "third": "replays only",
}


def epoch_times(repeats: int) -> dict[str, dict[str, float]]:
    """Three epochs of a run (60,000 samples at batch 128, float32, the last batch 96), for
    tinygrad_np (eager and jitted) and numpy, each batch a fresh view of the data set, as a
    data loader's slices are. jit's one-off calls fall in the first two (`EPOCHS`)."""
    rng = np.random.default_rng(1)
    data = rng.random((60000, IN), dtype=np.float32)
    labels = rng.integers(0, OUT, 60000)
    batches = [(data[i:i + 128], labels[i:i + 128]) for i in range(0, 60000, 128)]
    factories = {"tinygrad_np": tinygrad_step, "tinygrad_np jit": tinygrad_jit_step,
                 "numpy": numpy_step}
    runs: dict[str, dict[str, list[float]]] = {
        epoch: {name: [] for name in factories} for epoch in EPOCHS}
    for _ in range(repeats):
        for name, factory in factories.items():
            step, _ = factory(make_problem(128, "float32"))
            for epoch in EPOCHS:
                start = time.perf_counter()
                for xb, yb in batches:
                    step(xb, yb)
                runs[epoch][name].append(time.perf_counter() - start)
    return {epoch: {name: statistics.median(r) for name, r in by_name.items()}
            for epoch, by_name in runs.items()}


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cpu": cpu, "cores": str(len(os.sched_getaffinity(0))),
            "python": platform.python_version(), "numpy": np.__version__,
            "tinygrad_np": tinygrad_np.__version__,
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "the libraries' default"),
            "blas": blas_info(),
            "openblas_env": ", ".join(f"{k}={os.environ[k]}" for k in (
                "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ) or "unset"}
    try:
        import torch
        info["torch"] = torch.__version__
    except ImportError:
        info["torch"] = "not installed"
    try:
        import jax
        info["jax"] = jax.__version__
    except ImportError:
        info["jax"] = "not installed"
    return info


def time_configs(rounds: int, progress: Any = sys.stdout) -> list[dict[str, Any]]:
    """Every configuration of CONFIGS, timed in this process: one row per implementation."""
    rows: list[dict[str, Any]] = []
    for batch, dtype in CONFIGS:
        problem = make_problem(batch, dtype)
        impls = {"numpy": numpy_step(problem), "tinygrad_np": tinygrad_step(problem),
                 "tinygrad_np jit": tinygrad_jit_step(problem)}
        for name, make in (("pytorch", torch_step), ("jax jit", jax_step)):
            impl = make(problem)
            if impl is not None:
                impls[name] = impl
        check_agreement(impls, problem, dtype)
        x, y = problem["x"], problem["y"]
        # A shared virtual machine can lose half its speed for seconds at a time; the peak
        # before and after each configuration tells whether that happened during it.
        peak_before = matmul_gflops(dtype, 5)
        times, faults = time_interleaved(
            {k: (lambda f=v[0], x=x, y=y: f(x, y)) for k, v in impls.items()}, rounds, 0.04)
        peak_around = min(peak_before, matmul_gflops(dtype, 5))
        for name, s in summarize(times).items():
            rows.append({"batch": batch, "dtype": dtype, "impl": name,
                         "median_ms": s["median"] * 1e3, "samples_per_s": batch / s["median"],
                         "ratio_to_numpy": s["ratio"], "ratio_low": s["ratio_low"],
                         "ratio_high": s["ratio_high"], "overhead_us": s["difference"] * 1e6,
                         "page_faults_per_step": faults[name],
                         "matmul_gflops_around": peak_around})
        print(f"batch {batch} {dtype}: " + ", ".join(
            f"{r['impl']} {r['median_ms']:.3f} ms ({r['ratio_to_numpy']:.3f}x)"
            for r in rows if r["batch"] == batch and r["dtype"] == dtype), file=progress,
            flush=True)
    return rows


def time_in_processes(count: int, rounds: int, pin_malloc: bool) -> list[dict[str, Any]]:
    """CONFIGS timed in `count` fresh processes, one after the other, combined per row: the
    median over processes of each figure, and the lowest and highest ratio of a process.

    Each process lays its arrays out in memory differently, and numpy's OpenBLAS settles in
    each into its own pattern of waking its second thread for the matmuls (numpy's batch-128
    step: 0.40 ms in some processes, 0.70 ms in others; 0.54-0.57 ms in every one with
    OPENBLAS_NUM_THREADS=1). Either moves a ratio by several percent between processes whose
    rounds agree to 0.01; the median over five processes is the figure to trust.
    """
    runs = []
    for index in range(count):
        print(f"process {index + 1} of {count}", flush=True)
        command = [sys.executable, __file__, "--worker", "--rounds", str(rounds)]
        if pin_malloc:
            command.append("--pin-malloc")
        done = subprocess.run(command, stdout=subprocess.PIPE, check=True, text=True)
        runs.append(json.loads(done.stdout.splitlines()[-1]))
    combined = []
    for rows in zip(*runs):
        ratios = [r["ratio_to_numpy"] for r in rows]
        median_ms = statistics.median(r["median_ms"] for r in rows)
        combined.append({**rows[0], "median_ms": median_ms,
                         "samples_per_s": rows[0]["batch"] / (median_ms / 1e3),
                         "ratio_to_numpy": statistics.median(ratios),
                         "ratio_low": min(ratios), "ratio_high": max(ratios),
                         "overhead_us": statistics.median(r["overhead_us"] for r in rows),
                         "page_faults_per_step": statistics.mean(
                             r["page_faults_per_step"] for r in rows),
                         "matmul_gflops_around": min(r["matmul_gflops_around"] for r in rows),
                         "processes": count})
    return combined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="quick mode: one process, 8 rounds, no memory loop")
    parser.add_argument("--processes", type=int, default=None,
                        help="fresh processes to time in (default 5; 1 with --quick)")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"),
                        help="folder for train_step.md and train_step.json")
    parser.add_argument("--pin-malloc", action="store_true",
                        help="diagnostic: fix glibc's mmap/trim thresholds for the whole run "
                             "(see pin_malloc_thresholds); default: a plain process")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="diagnostic: threads for every implementation's matmuls "
                             "(OpenBLAS, OpenMP, PyTorch); default: the libraries' own")
    parser.add_argument("--omp-passive", action="store_true",
                        help="diagnostic: OMP_WAIT_POLICY=PASSIVE, so PyTorch's OpenMP threads "
                             "sleep between ops instead of spinning")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    threads = str(args.blas_threads)
    env = dict(os.environ)
    if args.blas_threads:
        env.update(OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads,
                   MKL_NUM_THREADS=threads)
    if args.omp_passive:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    if env != os.environ:
        # read by the libraries when they load, which has happened: start again with them set
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    rounds = args.rounds or (8 if args.quick else 30)
    processes = args.processes or (1 if args.quick else 5)
    pinned = args.pin_malloc and pin_malloc_thresholds()
    if args.worker:  # one process of time_in_processes: rows as JSON on the last line
        print(json.dumps(time_configs(rounds, progress=sys.stderr)))
        return

    info = machine()
    info["malloc_thresholds_pinned"] = str(pinned)
    diagnostics = [flag for flag, on in (("--pin-malloc", args.pin_malloc),
                                         (f"--blas-threads {args.blas_threads}",
                                          args.blas_threads), ("--omp-passive", args.omp_passive))
                   if on]
    info["run"] = ("diagnostic (" + ", ".join(diagnostics) + ")" if diagnostics else
                   "plain process (the headline: default threads, no mallopt, no environment "
                   "changes)")
    peaks = {dtype: matmul_gflops(dtype) for dtype in ("float32", "float64")}
    if processes == 1:
        rows = time_configs(rounds)
    else:
        rows = time_in_processes(processes, rounds, args.pin_malloc)
    # The peak again at the end, keeping the better: a shared machine may have been slow at
    # the start, and the bound is about what the hardware can do.
    peaks = {dtype: max(peak, matmul_gflops(dtype)) for dtype, peak in peaks.items()}
    for row in rows:
        row["matmul_bound_ms"] = step_flops(row["batch"]) / (peaks[row["dtype"]] * 1e9) * 1e3
    epochs = epoch_times(1 if args.quick else 5)
    memory = {} if args.quick else memory_loop(10000)
    report = {"machine": info, "matmul_gflops": peaks, "steps": rows, "epoch_seconds": epochs,
              "memory": memory, "processes": processes}
    markdown = to_markdown(report)
    print()
    print(markdown)
    args.out.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.out / "train_step.json") as tmp:
        tmp.write_text(json.dumps(report, indent=2))
    with atomic_path(args.out / "train_step.md") as tmp:
        tmp.write_text(markdown)
    print(f"wrote {args.out / 'train_step.md'} and {args.out / 'train_step.json'}")


def to_markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    processes = report.get("processes", 1)
    spread = (f"lowest-highest of {processes} processes" if processes > 1
              else "10th-90th percentile of rounds")
    lines = [f"Run: {m.get('run', 'unknown')}.",
             (f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, numpy "
              f"{m['numpy']}, PyTorch {m['torch']}, JAX {m.get('jax', 'not installed')}, "
              f"tinygrad_np {m['tinygrad_np']}."),
             (f"BLAS: {m.get('blas', 'unknown')} (OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE: "
              f"{m.get('openblas_env', 'unknown')})."),
             f"Matmul peak (1024x1024 @ 1024x1024): {report['matmul_gflops']['float32']:.0f} "
             f"GFLOP/s float32, {report['matmul_gflops']['float64']:.0f} GFLOP/s float64. "
             f"glibc malloc thresholds pinned: {m['malloc_thresholds_pinned']}. "
             f"Matmul threads: {m.get('blas_threads', 'the libraries default')}.", "",
             "| batch | dtype | implementation | median step (ms) | samples/s | ratio to numpy "
             f"| ratio: {spread} | minus numpy (us) | matmul lower bound (ms) "
             "| page faults / step |",
             "|---:|---|---|---:|---:|---:|---|---:|---:|---:|"]
    slowed = False
    for r in report["steps"]:
        mark = ""
        if r["matmul_gflops_around"] < SLOWED_DOWN * report["matmul_gflops"][r["dtype"]]:
            mark, slowed = " *", True
        lines.append(f"| {r['batch']} | {r['dtype']} | {r['impl']}{mark} | {r['median_ms']:.3f} | "
                     f"{r['samples_per_s']:,.0f} | {r['ratio_to_numpy']:.3f} | "
                     f"{r['ratio_low']:.2f}-{r['ratio_high']:.2f} | {r['overhead_us']:.0f} | "
                     f"{r['matmul_bound_ms']:.3f} | {r['page_faults_per_step']:.1f} |")
    if slowed:
        lines += ["", f"\\* The machine's matmul peak around this configuration was below "
                      f"{SLOWED_DOWN:.0%} of its best: something else ran on the host, and these "
                      f"figures are less reliable; run again."]
    lines.append("")
    for epoch, e in report["epoch_seconds"].items():
        lines.append(f"The {epoch} epoch of a run (60,000 samples, batch 128, float32; "
                     f"{EPOCHS.get(epoch, '')}): "
                     f"tinygrad_np {e['tinygrad_np']:.3f} s, tinygrad_np jit "
                     f"{e['tinygrad_np jit']:.3f} s, hand-written numpy {e['numpy']:.3f} s "
                     f"(ratios {e['tinygrad_np'] / e['numpy']:.3f} and "
                     f"{e['tinygrad_np jit'] / e['numpy']:.3f}).")
    if report["memory"]:
        mem = report["memory"]
        lines.append(f"Peak RSS over a 10,000-step loop (batch 128): "
                     f"{mem['peak_rss_mib_at_1000']} MiB at step 1,000, "
                     f"{mem['peak_rss_mib_at_10000']} MiB at step 10,000; then jitted, "
                     f"{mem['jit_peak_rss_mib_at_1000']} MiB at its step 1,000 and "
                     f"{mem['jit_peak_rss_mib_at_10000']} MiB at its step 10,000.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
