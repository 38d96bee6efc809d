"""Checksummed, atomic file download from a list of mirrors (stdlib urllib only)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..files import atomic_path

__all__ = ["ChecksumError", "DownloadError", "download_file"]

_CHUNK = 1 << 16


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
    timeout: float = 30.0,
    progress: bool = True,
) -> Path:
    """Download ``filename`` into ``dest_dir`` from the first mirror that serves it with ``md5``.

    Each mirror is a base URL (``https://``, ``http://`` or ``file://``) to which ``filename`` is
    appended. The bytes go to a temporary file in ``dest_dir`` and are renamed into place only
    after the MD5 matches, so an interrupted or bad download never leaves a file behind.
    Raises :class:`DownloadError` listing every URL tried and why it failed.

    >>> download_file("t10k-labels-idx1-ubyte.gz", "/tmp/mnist",  # doctest: +SKIP
    ...               "ec29112dd5afa0611ce80d1b7f02629c", ["https://ossci-datasets.s3.amazonaws.com/mnist/"])
    PosixPath('/tmp/mnist/t10k-labels-idx1-ubyte.gz')
    """
    # Imported here: urllib.request pulls in ssl, email and http.client (~20 ms), which
    # `import tinygrad_np` should not pay for.
    import http.client
    import urllib.error

    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / filename
    failures: list[tuple[str, str]] = []
    for base in mirrors:
        url = base if base.endswith("/") else base + "/"
        url += filename
        try:
            _fetch(url, target, md5.lower(), timeout, progress)
            return target
        except urllib.error.HTTPError as exc:
            failures.append((url, f"HTTP {exc.code} {exc.reason}"))
        except urllib.error.URLError as exc:
            failures.append((url, f"{type(exc.reason).__name__}: {exc.reason}"))
        except (OSError, ValueError, http.client.HTTPException) as exc:
            # OSError: timeouts, resets; ValueError: bad URL or ChecksumError;
            # HTTPException: a malformed reply, or a chunked one cut short (IncompleteRead).
            failures.append((url, f"{type(exc).__name__}: {exc}"))
    raise DownloadError(filename, failures)


def _fetch(url: str, target: Path, md5: str, timeout: float, progress: bool) -> None:
    import hashlib
    import urllib.request

    # atomic_path renames the temp file onto target only if this block finishes; any exception,
    # a failed check below or Ctrl-C included, deletes it instead.
    with atomic_path(target) as tmp, open(tmp, "wb") as out:
        digest = hashlib.md5(usedforsecurity=False)
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            header = resp.headers.get("Content-Length")
            length = int(header) if header and header.isdigit() else None
            received = 0
            bar = _progress_bar(length, target.name, progress)
            try:
                while chunk := resp.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            finally:
                bar.close()
        # http.client's read(n) returns b"" on an early hang-up instead of raising
        # IncompleteRead; the MD5 would catch it too, but this says what happened.
        if length is not None and received != length:
            raise ConnectionError(f"cut off: got {received} of {length} bytes")
        got = digest.hexdigest()
        if got != md5:
            raise ChecksumError(f"MD5 mismatch: got {got}, expected {md5}")
        out.flush()
        os.fsync(out.fileno())  # the renamed file must not turn out empty after a crash


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
            return tqdm(
                total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, leave=False
            )
    return _NoBar()
