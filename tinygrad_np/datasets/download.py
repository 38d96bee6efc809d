"""Checksummed, atomic file download from a list of mirrors (stdlib urllib only)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..files import atomic_path

__all__ = ["DEFAULT_MAX_BYTES", "ChecksumError", "DownloadError", "download_file"]

_CHUNK = 1 << 16
# The cap when the caller knows no size: far above any file tinygrad_np fetches (Fashion-MNIST's
# training images are 26 MB), far below what would fill a disk.
DEFAULT_MAX_BYTES = 256 << 20


class ChecksumError(ValueError):
    """The downloaded bytes do not have the expected MD5."""


class DownloadError(OSError):
    """No mirror delivered the file; ``failures`` holds ``(url, reason)`` for each one tried."""

    def __init__(self, filename: str, failures: Sequence[tuple[str, str]]) -> None:
        # Not OSError's `filename` attribute: setting it changes how OSError prints.
        self.file = filename
        self.failures = list(failures)
        tried = (
            "\n".join(f"  {url}: {reason}" for url, reason in self.failures)
            or "  (no mirrors given)"
        )
        super().__init__(f"could not download {filename}; tried:\n{tried}")


def download_file(
    filename: str,
    dest_dir: str | os.PathLike[str],
    md5: str,
    mirrors: Sequence[str],
    *,
    timeout: float = 10.0,
    deadline: float | None = 300.0,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    progress: bool = True,
) -> Path:
    """Download ``filename`` into ``dest_dir`` from the first mirror that serves it with ``md5``.

    Each mirror is a base URL (``https://``, ``http://`` or ``file://``) to which ``filename`` is
    appended. The bytes go to a temporary file in ``dest_dir`` and are renamed into place only
    after the MD5 matches, so an interrupted or bad download never leaves a file behind.
    Raises :class:`DownloadError` listing every URL tried and why it failed.

    Bounds, so a dead network or a hostile server cannot hang or fill the disk:
    ``timeout`` seconds for each connect and each read that makes no progress; ``deadline``
    seconds for the whole call, every mirror and name lookup included (``None``: no limit);
    ``max_bytes`` for the file, refused as soon as its Content-Length or the bytes received
    pass it (``None``: no limit).

    >>> download_file("t10k-labels-idx1-ubyte.gz", "/tmp/mnist",  # doctest: +SKIP
    ...               "ec29112dd5afa0611ce80d1b7f02629c", ["https://ossci-datasets.s3.amazonaws.com/mnist/"])
    PosixPath('/tmp/mnist/t10k-labels-idx1-ubyte.gz')
    """
    for what, value in (("timeout", timeout), ("deadline", deadline)):
        if value is not None and not value > 0:
            raise ValueError(f"download_file: {what} must be > 0 seconds, got {value!r}")
    if max_bytes is not None and max_bytes < 0:
        raise ValueError(f"download_file: max_bytes must be >= 0, got {max_bytes!r}")
    # No mkdir here: atomic_path makes the folder once a mirror answers, so a failed download
    # leaves no empty folder behind.
    job = _Job(filename, Path(dest_dir) / filename, md5.lower(), mirrors, timeout, deadline,
               max_bytes, progress)  # fmt: skip
    # The mirrors are tried in a worker thread, so the deadline holds even where no socket
    # timeout reaches: a name lookup (getaddrinfo) on a machine whose DNS server is unreachable
    # blocks for as long as the resolver likes.
    worker = threading.Thread(target=job.run, name=f"download {filename}", daemon=True)
    worker.start()
    # An Event, not worker.join(): on CPython 3.11 a Ctrl-C that interrupts join() leaves
    # is_alive() False for a thread that still runs.
    try:
        job.done.wait(deadline)
    finally:
        if not job.done.is_set():  # past the deadline, or Ctrl-C here: tell the worker to stop
            job.cancelled.set()
            # It notices at its next chunk (or within `timeout`) and deletes its temp file;
            # wait a moment, so that has usually happened when we return or raise.
            job.done.wait(min(timeout, 1.0))
    if job.error is not None:  # Ctrl-C or a bug in the worker: re-raised here, as it was
        raise job.error
    if job.result is not None:
        return job.result
    if job.cancelled.is_set():
        job.failures.append((job.current or "(all mirrors)",
                             f"overall deadline of {deadline:g} s passed"))  # fmt: skip
    raise DownloadError(filename, list(job.failures))


class _Job:
    """One download_file call, run in a worker thread: tries the mirrors in order."""

    def __init__(self, filename: str, target: Path, md5: str, mirrors: Sequence[str],
                 timeout: float, deadline: float | None, max_bytes: int | None,
                 progress: bool) -> None:  # fmt: skip
        self.filename, self.target, self.md5, self.mirrors = filename, target, md5, list(mirrors)
        self.timeout, self.max_bytes, self.progress = timeout, max_bytes, progress
        self.ends = None if deadline is None else time.monotonic() + deadline
        self.failures: list[tuple[str, str]] = []
        self.current: str | None = None
        self.result: Path | None = None
        self.error: BaseException | None = None
        self.cancelled = threading.Event()
        self.done = threading.Event()

    def run(self) -> None:
        try:
            self._try_mirrors()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            self.error = exc
        finally:
            self.done.set()

    def _try_mirrors(self) -> None:
        # Imported here: urllib.request pulls in ssl, email and http.client (~20 ms), which
        # `import tinygrad_np` should not pay for.
        import http.client
        import urllib.error

        for base in self.mirrors:
            if self.cancelled.is_set():
                return
            url = (base if base.endswith("/") else base + "/") + self.filename
            self.current = url
            try:
                self._fetch(url)
                self.result = self.target
                return
            except _Cancelled:
                return
            except _TooLarge as exc:
                self.failures.append((url, str(exc)))
            except urllib.error.HTTPError as exc:
                self.failures.append((url, f"HTTP {exc.code} {exc.reason}"))
            except urllib.error.URLError as exc:
                self.failures.append((url, f"{type(exc.reason).__name__}: {exc.reason}"))
            except (OSError, ValueError, http.client.HTTPException) as exc:
                # OSError: timeouts, resets; ValueError: bad URL or ChecksumError;
                # HTTPException: a malformed reply, or a chunked one cut short.
                self.failures.append((url, f"{type(exc).__name__}: {exc}"))

    def _socket_timeout(self) -> float:
        if self.ends is None:
            return self.timeout
        return max(min(self.timeout, self.ends - time.monotonic()), 0.001)

    def _fetch(self, url: str) -> None:
        import hashlib
        import urllib.request

        cap = self.max_bytes
        with urllib.request.urlopen(url, timeout=self._socket_timeout()) as resp:
            header = resp.headers.get("Content-Length")
            length = int(header) if header and header.isdigit() else None
            if cap is not None and length is not None and length > cap:
                raise _TooLarge(f"too large: Content-Length {length} bytes, over the "
                                f"{cap}-byte limit for this file")  # fmt: skip
            if self.cancelled.is_set():  # checked before a temp file exists
                raise _Cancelled
            # atomic_path renames the temp file onto target only if this block finishes; any
            # exception, a failed check below or Ctrl-C included, deletes it instead.
            with atomic_path(self.target) as tmp, open(tmp, "wb") as out:
                digest = hashlib.md5(usedforsecurity=False)
                received = 0
                bar = _progress_bar(length, self.target.name, self.progress)
                # read1: what has arrived, up to n bytes; read(n) would wait for all n, and
                # a cancelled download would notice only after a slow server sent them.
                read = getattr(resp, "read1", resp.read)
                try:
                    # Never ask for more than one byte past the cap: that byte proves "too big".
                    while chunk := read(_CHUNK if cap is None else
                                        min(_CHUNK, cap + 1 - received)):  # fmt: skip
                        if self.cancelled.is_set():
                            raise _Cancelled
                        received += len(chunk)
                        if cap is not None and received > cap:
                            raise _TooLarge(f"too large: more than the {cap}-byte limit for "
                                            f"this file")  # fmt: skip
                        out.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
                finally:
                    bar.close()
                # http.client's read(n) returns b"" on an early hang-up instead of raising
                # IncompleteRead; the MD5 would catch it too, but this says what happened.
                if length is not None and received != length:
                    raise ConnectionError(f"cut off: got {received} of {length} bytes")
                got = digest.hexdigest()
                if got != self.md5:
                    raise ChecksumError(f"MD5 mismatch: got {got}, expected {self.md5}")
                out.flush()
                os.fsync(out.fileno())  # the renamed file must not turn out empty after a crash


class _TooLarge(ValueError):
    """The server sends (or announces) more bytes than the file may have."""


class _Cancelled(Exception):
    """The caller gave up (deadline passed, or Ctrl-C): stop quietly, leave no file."""


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int | None, desc: str, enabled: bool) -> Any:
    """A tqdm bar when tqdm is installed, else a silent stand-in (tqdm is optional)."""
    if enabled:
        try:
            from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]
        except ImportError:
            pass
        else:
            # disable=None: no bar when stderr is not a terminal (logs, pipes, tests).
            return tqdm(
                total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, leave=False,
                disable=None,
            )
    return _NoBar()
