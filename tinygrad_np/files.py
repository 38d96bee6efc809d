"""Atomic file writes: a file is either complete or not there, never half-written."""
from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it is renamed onto `path`.

    If the block raises (or the process dies), `path` is left as it was and the temporary
    file is removed, so a reader never sees a partial file.

    >>> with atomic_path("weights.npz") as tmp:   # doctest: +SKIP
    ...     np.savez(tmp, w=w)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same directory as the target, so the final rename never crosses file systems; same
    # suffix, so writers that add a missing one (np.savez adds ".npz") write to this very file.
    # O_EXCL with mode 0o666 (not mkstemp's 0o600), so the umask decides who may read it.
    while True:
        tmp = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.tmp{target.suffix}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
