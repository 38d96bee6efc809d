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
    ``timeout`` seconds without progress (no answer yet, name lookup included, or no new
    bytes) and a mirror is given up for the next one; ``deadline`` seconds for the whole
    call, every mirror included (``None``: no limit); ``max_bytes`` for the file, refused as
    soon as its Content-Length or the bytes received pass it (``None``: no limit).

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
    target = Path(dest_dir) / filename
    ends = None if deadline is None else time.monotonic() + deadline
    failures: list[tuple[str, str]] = []
    for base in mirrors:
        url = (base if base.endswith("/") else base + "/") + filename
        attempt = _Attempt(url, target, md5.lower(), timeout, deadline, ends, max_bytes,
                           progress)  # fmt: skip
        if attempt.watch():
            return target
        failures.append((url, attempt.reason))
        if attempt.past_deadline:
            break
    raise DownloadError(filename, failures)


class _Attempt:
    """One mirror, fetched in a worker thread that the caller's thread watches.

    The thread is what bounds the parts no socket timeout reaches: a name lookup
    (getaddrinfo) on a machine whose DNS server is unreachable blocks for as long as the
    resolver likes. The worker notes the time of each step forward; the watcher gives up on
    it after ``timeout`` seconds without one, or at the deadline, and the worker then stops
    at its next step and deletes its temporary file.
    """

    def __init__(self, url: str, target: Path, md5: str, timeout: float,
                 deadline: float | None, ends: float | None, max_bytes: int | None,
                 progress: bool) -> None:  # fmt: skip
        self.url, self.target, self.md5 = url, target, md5
        self.timeout, self.deadline, self.ends = timeout, deadline, ends
        self.max_bytes, self.progress = max_bytes, progress
        self.failure = ""  # why the worker failed
        self.gave_up = ""  # why the watcher gave up on it (takes precedence)
        self.ok = False
        self.past_deadline = False
        self.error: BaseException | None = None
        self.last_step = time.monotonic()
        self.cancelled = threading.Event()
        self.done = threading.Event()

    def watch(self) -> bool:
        """Run the attempt; True once the file is in place, else False with ``reason`` set."""
        worker = threading.Thread(target=self._run, name=f"download {self.url}", daemon=True)
        worker.start()
        # Waiting on an Event, not on worker.join(): on CPython 3.11 a Ctrl-C that interrupts
        # join() leaves is_alive() False for a thread that still runs.
        try:
            while not self.done.is_set():
                now = time.monotonic()
                stall_at = self.last_step + self.timeout
                if self.ends is not None and now >= self.ends:
                    self.past_deadline = True
                    self.gave_up = f"overall deadline of {self.deadline:g} s passed"
                    break
                if now >= stall_at:
                    self.gave_up = f"no progress for {self.timeout:g} s"
                    break
                until = stall_at if self.ends is None else min(stall_at, self.ends)
                self.done.wait(until - now)
        finally:
            if not self.done.is_set():  # given up on, or Ctrl-C here: tell the worker to stop
                self.cancelled.set()
                # It notices at its next step (at most `timeout` away, a socket timeout) and
                # deletes its temp file; wait a moment, so that has usually happened by now.
                self.done.wait(min(self.timeout, 1.0))
        if self.error is not None:  # Ctrl-C or a bug in the worker: re-raised here, as it was
            raise self.error
        return self.ok

    @property
    def reason(self) -> str:
        return self.gave_up or self.failure

    def _run(self) -> None:
        # Imported here: urllib.request pulls in ssl, email and http.client (~20 ms), which
        # `import tinygrad_np` should not pay for.
        import http.client
        import urllib.error

        try:
            self._fetch()
            self.ok = True
        except _Cancelled:
            pass
        except _TooLarge as exc:
            self.failure = str(exc)
        except urllib.error.HTTPError as exc:
            self.failure = f"HTTP {exc.code} {exc.reason}"
        except urllib.error.URLError as exc:
            self.failure = f"{type(exc.reason).__name__}: {exc.reason}"
        except (OSError, ValueError, http.client.HTTPException) as exc:
            # OSError: timeouts, resets; ValueError: bad URL or ChecksumError;
            # HTTPException: a malformed reply, or a chunked one cut short.
            self.failure = f"{type(exc).__name__}: {exc}"
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            self.error = exc
        finally:
            self.done.set()

    def _step(self) -> None:
        """A step forward: the watcher's stall clock starts again. Stop if given up on."""
        if self.cancelled.is_set():
            raise _Cancelled
        self.last_step = time.monotonic()

    def _socket_timeout(self) -> float:
        if self.ends is None:
            return self.timeout
        return max(min(self.timeout, self.ends - time.monotonic()), 0.001)

    def _fetch(self) -> None:
        import hashlib
        import urllib.request

        cap = self.max_bytes
        with urllib.request.urlopen(self.url, timeout=self._socket_timeout()) as resp:
            self._step()  # checked before a temp file exists
            header = resp.headers.get("Content-Length")
            length = int(header) if header and header.isdigit() else None
            if cap is not None and length is not None and length > cap:
                raise _TooLarge(f"too large: Content-Length {length} bytes, over the "
                                f"{cap}-byte limit for this file")  # fmt: skip
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
                        self._step()
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
