"""Atomic file writes: a file is either complete or not there, never half-written."""
from __future__ import annotations

import contextlib
import os
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path

# A temp file left by a writer that died (SIGKILL, power cut) is removed by the next save to
# the same target once its process is gone; where that cannot be told (Windows), once it is
# this old.
STALE_AFTER_S = 24 * 3600


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it is renamed onto `path`.

    If the block raises (or is interrupted), `path` is left as it was and the temporary file
    is removed, so a reader never sees a partial file. A process killed outright cannot
    clean up: its temp file (`.NAME.PID-XXXXXXXX.tmp.SUFFIX`, hidden, beside the target) is
    removed by the next save to the same target, once that process is gone.

    Saving over an existing file keeps its permission bits; saving through a symbolic link
    replaces the file it points to and leaves the link as it is.

    >>> with atomic_path("weights.npz") as tmp:   # doctest: +SKIP
    ...     np.savez(tmp, w=w)
    """
    # Through a symlink, write (and rename onto) the file it points to, not over the link.
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(target)
    # Same directory as the target, so the final rename never crosses file systems; same
    # suffix, so writers that add a missing one (np.savez adds ".npz") write to this very file.
    # O_EXCL with mode 0o666 (not mkstemp's 0o600), so the umask decides who may read it.
    while True:
        tmp = target.with_name(f"{_temp_prefix(target)}{os.getpid()}-{secrets.token_hex(4)}"
                               f".tmp{target.suffix}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))  # keep the old file's mode
        except FileNotFoundError:
            pass  # a new file: the umask's mode
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _temp_prefix(target: Path) -> str:
    return f".{target.stem}."


def _remove_stale_temps(target: Path) -> None:
    """Delete temp files of `target` whose writer is gone (see `atomic_path`)."""
    prefix, suffix = _temp_prefix(target), f".tmp{target.suffix}"
    try:
        candidates = [p for p in target.parent.iterdir()
                      if p.name.startswith(prefix) and p.name.endswith(suffix)]
    except OSError:
        return
    for candidate in candidates:
        middle = candidate.name[len(prefix):-len(suffix)]
        pid_text, _, token = middle.partition("-")
        if not (pid_text.isdigit() and len(token) == 8):
            continue  # not one of ours
        try:
            if _writer_is_gone(int(pid_text), candidate):
                candidate.unlink()
        except OSError:
            pass  # removed meanwhile, or not ours to remove: harmless either way


def _writer_is_gone(pid: int, temp: Path) -> bool:
    if os.name == "nt" or pid == os.getpid():
        # Windows has no harmless "is it alive" signal; our own pid is another thread's save.
        return pid != os.getpid() and time.time() - temp.stat().st_mtime > STALE_AFTER_S
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False
