"""Atomic file writes: a file is either complete or not there, never half-written."""
from __future__ import annotations

import contextlib
import os
import tempfile
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
    handle, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}",
                                        dir=target.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
