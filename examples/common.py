"""What every example shares: the command line, loading the data, errors, progress bars, pictures.

One implementation, so `--data`, `--offline-split`, `--limit` ... mean the same in every example:

    python examples/mnist_two_layer.py --help

The examples import this module as `common` (Python puts the script's folder on `sys.path`).
tqdm and matplotlib (the `[examples]` extra) are imported only when used.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

# One BLAS thread unless the user chose a number: set before numpy loads OpenBLAS. The
# examples' matrices are small (batch 32 x 784 x 100), where a second thread gains nothing,
# and where other programs share the cores OpenBLAS's waiting threads slow everything down:
# the main job took 65 s instead of 2.5 s on a busy 2-core machine (docs/tutorial.md).
if not any(var in os.environ for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                         "MKL_NUM_THREADS")):
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
try:
    import tinygrad_np  # noqa: F401
except ModuleNotFoundError:  # run from a checkout without `pip install -e .`: use the checkout
    sys.path.insert(0, str(REPO_ROOT))
# --offline-split, and the fallback when full MNIST is neither on disk nor downloadable: the
# 10,000 test images (bundled in the package) split into a training part and a held-out part.
OFFLINE_TRAIN = 8000
DATASETS = ("mnist", "fashion-mnist")
DIGITS = tuple(str(d) for d in range(10))
EXTRAS_HINT = "pip install 'tinygrad_np[examples]' (tqdm and matplotlib)"


class ExampleError(Exception):
    """A problem the user can fix (missing data, a missing extra); printed without a traceback."""


class Data(NamedTuple):
    """Images as float32 in [0, 1] ((N, 784) when flattened), labels as int64."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]
    description: str


# -- the command line -------------------------------------------------------------------------
def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def nonnegative_float(text: str) -> float:
    """argparse type: a finite number >= 0."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def make_parser(name: str, description: str, *, epochs: int, batch_size: int, lr: float,
                limit: int | None = None, ignored: Sequence[str] = (),
                seed_help: str = "seed of the weight initialisation and of the shuffling",
                ) -> argparse.ArgumentParser:
    """The options every example takes, with this example's defaults.

    `name` is the example's file name without `.py` (outputs go to `out/<name>` by default);
    `ignored` lists options accepted only for uniformity, which `--help` then says it ignores.
    """
    note = ""
    if ignored:
        note = (f"Accepted for uniformity with the other examples and ignored here: "
                f"{', '.join(ignored)}.")
    parser = argparse.ArgumentParser(
        prog=f"python examples/{name}.py", description=description, epilog=note or None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ignored_note = "accepted for uniformity; ignored by this example"

    def add(group: Any, flag: str, **options: Any) -> None:
        if flag in ignored:  # no default shown: it would mean nothing here
            options.update(help=ignored_note, default=argparse.SUPPRESS)
        group.add_argument(flag, **options)

    data = parser.add_argument_group("data")
    add(data, "--dataset", choices=DATASETS, default="mnist",
        help="which data set: handwritten digits or Zalando's clothing images")
    add(data, "--data", metavar="DIR", type=Path, default=None,
        help="folder with the four IDX files (plain or .gz); the only place looked at when "
             "given. Without it: $TINYGRAD_NP_DATA, ~/.cache/tinygrad_np/<dataset> (and "
             "/usr/share/datasets/fashion-mnist for Fashion-MNIST), then a download; for "
             "MNIST, if all that fails, the 10,000 test digits bundled with tinygrad_np "
             f"({OFFLINE_TRAIN:,} to train on, {10000 - OFFLINE_TRAIN:,} to test)")
    add(data, "--no-download", action="store_true",
        help="never download; fail if the files are not found")
    add(data, "--offline-split", action="store_true",
        help=f"use the test files only: train on the first {OFFLINE_TRAIN:,} test images, "
             f"evaluate on the other {10000 - OFFLINE_TRAIN:,}. For machines without the "
             f"60,000 training images; for MNIST without --data, the test files bundled with "
             f"tinygrad_np are used")
    add(data, "--limit", metavar="N", type=positive_int, default=limit,
        help="train on the first N training images only (quick runs, tests)")
    train = parser.add_argument_group("training")
    add(train, "--epochs", type=positive_int, default=epochs,
        help="passes over the training images")
    add(train, "--batch-size", type=positive_int, default=batch_size,
        help="images per gradient step")
    add(train, "--lr", type=positive_float, default=lr,
        help="learning rate (the starting one, where a schedule lowers it)")
    add(train, "--seed", type=int, default=0, help=seed_help)
    add(parser, "--out", metavar="DIR", type=Path, default=Path("out") / name,
        help="folder for the outputs (weights, pictures)")
    return parser


# -- data ---------------------------------------------------------------------------------------
def _loader(dataset: str) -> Callable[..., Any]:
    from tinygrad_np.datasets import load_fashion_mnist, load_mnist
    return load_mnist if dataset == "mnist" else load_fashion_mnist


def class_names(dataset: str) -> tuple[str, ...]:
    if dataset == "mnist":
        return DIGITS
    from tinygrad_np.datasets import FASHION_MNIST_CLASSES
    return tuple(FASHION_MNIST_CLASSES)


def load_split(args: argparse.Namespace, split: str, *, normalize: bool = True,
               flatten: bool = True) -> Any:
    """One split (`Split(images, labels)`) of `args.dataset`, found as `--data` says.

    The MNIST test split without --data is the copy bundled with tinygrad_np (the official
    files, MD5-checked): nothing to search for, nothing to download.
    """
    if split == "test" and args.dataset == "mnist" and args.data is None:
        from tinygrad_np.datasets import load_mnist_sample
        return load_mnist_sample(0, normalize=normalize, flatten=flatten).test
    load = _loader(args.dataset)
    return load(root=args.data, download=not args.no_download, normalize=normalize,
                flatten=flatten, split=split)


def load_data(args: argparse.Namespace, *, flatten: bool = True) -> Data:
    """Training and test images of `args.dataset`, as float32 in [0, 1].

    With --offline-split only the test files are read: the first 8,000 images train, the
    last 2,000 test. Without it, full MNIST that is neither on disk nor downloadable (and no
    --data given) falls back to the same split of the bundled test files, saying so in one
    line on stderr. --limit N then keeps the first N training images. Everything after this
    function is the same whichever way the data came.
    """
    title = "MNIST" if args.dataset == "mnist" else "Fashion-MNIST"
    if args.offline_split:
        x, y = load_split(args, "test", flatten=flatten)
        x_train, y_train = x[:OFFLINE_TRAIN], y[:OFFLINE_TRAIN]
        x_test, y_test = x[OFFLINE_TRAIN:], y[OFFLINE_TRAIN:]
        how = (f"{title} offline split: test images 0-{OFFLINE_TRAIN - 1} train, "
               f"{OFFLINE_TRAIN}-{len(x) - 1} test")
    else:
        from tinygrad_np.datasets import DatasetNotFoundError, load_mnist_sample
        load = _loader(args.dataset)
        try:
            (x_train, y_train), (x_test, y_test) = load(
                root=args.data, download=not args.no_download, normalize=True, flatten=flatten)
            how = f"{title}: train and test files"
        except DatasetNotFoundError as err:
            if args.dataset != "mnist" or args.data is not None:
                raise  # asked for other data, or for one folder: say what is missing there
            print(f"{_not_found_line(err, args.no_download)}; training on the 10,000 MNIST "
                  f"test digits bundled with tinygrad_np instead ({OFFLINE_TRAIN:,} train, "
                  f"{10000 - OFFLINE_TRAIN:,} test)", file=sys.stderr, flush=True)
            (x_train, y_train), (x_test, y_test) = load_mnist_sample(
                OFFLINE_TRAIN, normalize=True, flatten=flatten)
            how = (f"MNIST bundled test set: test images 0-{OFFLINE_TRAIN - 1} train, "
                   f"{OFFLINE_TRAIN}-9999 test")
    if args.limit is not None:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    description = f"{how}; {len(x_train):,} training / {len(x_test):,} test images"
    return Data(x_train, y_train, x_test, y_test, class_names(args.dataset), description)


def _not_found_line(err: Any, no_download: bool) -> str:
    """One line: which files were looked for where, and why they were not downloaded."""
    files = ", ".join(f"{stem}[.gz]" for stem in err.missing)
    places = ", ".join(str(d) for d in err.searched)
    if no_download:
        why = "not downloaded (--no-download)"
    elif err.download_error is not None and err.download_error.failures:
        failures = err.download_error.failures
        why = f"download failed ({failures[-1][0]}: {failures[-1][1]}"
        why += f"; {len(failures) - 1} other mirror(s) failed too)" if len(failures) > 1 else ")"
    else:
        why = "download failed"
    return f"full MNIST not found: looked for {files} in {places}; {why}"


# -- running ------------------------------------------------------------------------------------
def run(main: Callable[[Sequence[str] | None], Any], argv: Sequence[str] | None = None,
        offline_hint: bool = True) -> None:
    """Call `main(argv)`; a user-fixable error is printed as one message, exit status 1."""
    from tinygrad_np.datasets import DatasetError, DatasetNotFoundError, DownloadError, IDXError
    from tinygrad_np.nn import CheckpointError
    given = list(sys.argv[1:] if argv is None else argv)
    try:
        main(argv)
    except DatasetNotFoundError as err:
        hints = []
        if "--no-download" in given:
            hints.append("(--no-download was given: leave it out to download the files)")
        if offline_hint and "--offline-split" not in given:
            hints.append("(no internet and only the test files? --offline-split trains and "
                         "evaluates on the 10,000 test images alone)")
        _fail("\n".join([str(err), *hints]))
    except (ExampleError, DatasetError, DownloadError, IDXError, CheckpointError) as err:
        _fail(str(err))
    except KeyboardInterrupt:
        _fail("interrupted", status=130)


def save_and_report(model: Any, out: Path, test_acc: float) -> None:
    """Save the model's weights to out/weights.npz and print the final line,
    `test accuracy: 0.XXXX`, that every training example ends with."""
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "weights.npz")
    print(f"saved {out / 'weights.npz'}")
    print(f"test accuracy: {test_acc:.4f}")


def _fail(message: str, status: int = 1) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(status)


def require_matplotlib() -> None:
    """Fail now, before training, if the pictures could not be drawn at the end."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ExampleError(f"this example draws PNG pictures with matplotlib, which is not "
                           f"installed: {EXTRAS_HINT}") from None


class _Plain:
    """Stand-in for a tqdm bar when tqdm is not installed: iterates, shows nothing."""

    def __init__(self, iterable: Iterable[Any]) -> None:
        self.iterable = iterable

    def __iter__(self) -> Any:
        return iter(self.iterable)

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass


def progress(iterable: Iterable[Any], desc: str, total: int | None = None) -> Any:
    """A tqdm progress bar (on stderr, when it is a terminal) over `iterable`, or a silent
    stand-in without tqdm."""
    try:
        from tqdm import tqdm
    except ImportError:
        return _Plain(iterable)
    # disable=None: no bar when stderr is not a terminal (a log file, a pipe, a test), where
    # its redraws would bury the lines that matter.
    return tqdm(iterable, desc=desc, total=total, leave=True, dynamic_ncols=True,
                mininterval=0.2, disable=None)


class RunningScore:
    """One epoch's loss and accuracy so far, averaged over the samples seen (what the
    progress bar shows, and the epoch line's "running" train accuracy)."""

    def __init__(self) -> None:
        self.seen = self.correct = 0
        self.loss_sum = 0.0

    def add(self, loss: float, logits: Any, labels: np.ndarray) -> None:
        """A batch's mean `loss` and its `logits` (a Tensor) against `labels`."""
        self.seen += len(labels)
        self.loss_sum += loss * len(labels)
        self.correct += int((logits.data.argmax(axis=1) == labels).sum())

    @property
    def loss(self) -> float:
        return self.loss_sum / self.seen

    @property
    def accuracy(self) -> float:
        return self.correct / self.seen

    def show(self, bar: Any) -> None:
        bar.set_postfix(loss=f"{self.loss:.4f}", acc=f"{self.accuracy:.4f}", refresh=False)


# -- pictures -------------------------------------------------------------------------------------
def _pyplot() -> Any:
    import matplotlib
    matplotlib.use("Agg")  # files only, no window, works without a display
    import matplotlib.pyplot as plt
    return plt


def save_curves(path: Path, step_loss: Sequence[float], steps_per_epoch: int,
                train_acc: Sequence[float], test_acc: Sequence[float], title: str) -> Path:
    """PNG: the training loss per step (and its mean per epoch), accuracy per epoch."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4), dpi=90)
    steps = np.arange(1, len(step_loss) + 1) / steps_per_epoch
    left.plot(steps, step_loss, color="tab:blue", alpha=0.25, linewidth=0.6, label="per step")
    epochs = np.arange(1, len(train_acc) + 1)
    losses = np.asarray(step_loss)
    per_epoch = [float(losses[e * steps_per_epoch:(e + 1) * steps_per_epoch].mean())
                 for e in range(len(train_acc))]
    left.plot(epochs, per_epoch, "o-", color="tab:blue", label="epoch mean")
    left.set_yscale("log")
    left.set_xlabel("epoch")
    left.set_ylabel("training loss")
    left.legend()
    right.plot(epochs, train_acc, "o-", label="train (running, during the epoch)")
    right.plot(epochs, test_acc, "s-", label="test (after the epoch)")
    right.set_xlabel("epoch")
    right.set_ylabel("accuracy")
    right.legend(loc="lower right")
    right.grid(alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, plt, path)


def save_digit_grid(path: Path, images: np.ndarray, titles: Sequence[str], title: str,
                    columns: int = 10) -> Path:
    """PNG: `images` (N, 28, 28) or (N, 784) in a grid, each with its caption."""
    plt = _pyplot()
    count = max(len(images), 1)
    columns = min(columns, count)
    rows = -(-count // columns)
    height = rows * 1.3 + 0.4
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.95, height), dpi=80,
                             squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < len(images):
            ax.imshow(np.asarray(images[index]).reshape(28, 28), cmap="gray_r",
                      interpolation="nearest")
            ax.set_title(titles[index], fontsize=7, pad=2)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout(pad=0.3, rect=(0, 0, 1, 1 - 0.3 / height))  # room for the title
    return _save(fig, plt, path)


def _save(fig: Any, plt: Any, path: Path) -> Path:
    from tinygrad_np.files import atomic_path
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return path
