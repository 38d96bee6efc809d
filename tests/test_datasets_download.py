"""download_file and load_mnist's download path, served from file:// URLs and a loopback server.

No test reaches the real network: name lookups other than loopback fail (conftest's `no_network`).
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import inspect
import os
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_np.datasets import DatasetNotFoundError, DownloadError, download_file, load_mnist
from tinygrad_np.datasets import mnist as mnist_mod
from tinygrad_np.datasets.download import DEFAULT_MAX_BYTES

PAYLOAD = bytes(range(256)) * 400  # 100 KiB: several read chunks
PAYLOAD_MD5 = hashlib.md5(PAYLOAD).hexdigest()
NAME = "t10k-labels-idx1-ubyte.gz"


class Server:
    """Loopback HTTP server. Paths are /<mode>/<file>; modes: ok, 404, cut (hangs up halfway,
    after announcing the full Content-Length), nolen (no Content-Length, half the body),
    endless (no Content-Length, the body over and over until the client hangs up), slow (the
    full body, one 1 KiB piece every 50 ms)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.hung_up: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                _, mode, name = self.path.split("/", 2)
                body = outer.files.get(name)
                if mode == "404" or body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                if mode not in ("nolen", "endless"):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.close_connection = True
                try:
                    if mode == "endless":
                        for _ in range(10_000):  # 1 GB: far more than any cap lets through
                            self.wfile.write(body)
                    elif mode == "slow":
                        for i in range(0, len(body), 1024):
                            self.wfile.write(body[i : i + 1024])
                            self.wfile.flush()
                            time.sleep(0.05)
                    else:
                        self.wfile.write(body if mode == "ok" else body[: len(body) // 2])
                except (BrokenPipeError, ConnectionResetError):
                    outer.hung_up.append(self.path)  # the client stopped reading: as intended

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def mirror(self, mode: str) -> str:
        return f"{self.url}/{mode}/"


@pytest.fixture(scope="module")
def module_server() -> Iterator[Server]:
    server = Server()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def server(module_server: Server) -> Server:
    module_server.files = {NAME: PAYLOAD}
    module_server.requests = []
    module_server.hung_up = []
    return module_server


@pytest.fixture
def served(tmp_path: Path) -> str:
    """A file:// mirror holding NAME."""
    src = tmp_path / "mirror"
    src.mkdir()
    (src / NAME).write_bytes(PAYLOAD)
    return src.as_uri() + "/"


def listing(path: Path) -> list[str]:
    return sorted(os.listdir(path)) if path.exists() else []


# ---- download_file -----------------------------------------------------------------------------


def test_file_url_success(tmp_path: Path, served: str) -> None:
    out = download_file(NAME, tmp_path / "dest", PAYLOAD_MD5, [served], progress=False)
    assert out == tmp_path / "dest" / NAME and out.read_bytes() == PAYLOAD
    assert listing(tmp_path / "dest") == [NAME]  # no temp file left over


def test_http_success_with_progress_bar(tmp_path: Path, server: Server) -> None:
    out = download_file(NAME, tmp_path, PAYLOAD_MD5.upper(), [server.mirror("ok")], progress=True)
    assert out.read_bytes() == PAYLOAD and listing(tmp_path) == [NAME]


def test_works_without_tqdm(tmp_path: Path, served: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` raise ImportError
    out = download_file(NAME, tmp_path / "d", PAYLOAD_MD5, [served], progress=True)
    assert out.read_bytes() == PAYLOAD


def test_first_mirror_broken_second_used(tmp_path: Path, served: str, server: Server) -> None:
    missing = (tmp_path / "nowhere").as_uri() + "/"
    out = download_file(NAME, tmp_path / "a", PAYLOAD_MD5, [missing, served], progress=False)
    assert out.read_bytes() == PAYLOAD
    out = download_file(
        NAME,
        tmp_path / "b",
        PAYLOAD_MD5,
        [server.mirror("404"), server.mirror("ok")],
        progress=False,
    )
    assert out.read_bytes() == PAYLOAD
    assert server.requests == [f"/404/{NAME}", f"/ok/{NAME}"]


def test_checksum_mismatch_rejected(tmp_path: Path, served: str) -> None:
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError) as info:
        download_file(NAME, dest, "0" * 32, [served], progress=False)
    msg = str(info.value)
    assert served + NAME in msg and f"MD5 mismatch: got {PAYLOAD_MD5}, expected {'0' * 32}" in msg
    assert listing(dest) == []


def test_bad_mirror_then_good_one_after_checksum_failure(
    tmp_path: Path, server: Server, served: str
) -> None:
    server.files = {NAME: b"not the real file"}
    out = download_file(
        NAME, tmp_path / "d", PAYLOAD_MD5, [server.mirror("ok"), served], progress=False
    )
    assert out.read_bytes() == PAYLOAD and listing(tmp_path / "d") == [NAME]


@pytest.mark.parametrize(
    ("mode", "reason"), [("cut", "cut off: got 51200 of 102400 bytes"), ("nolen", "MD5 mismatch")]
)
def test_cut_off_download_leaves_nothing(
    tmp_path: Path, server: Server, mode: str, reason: str
) -> None:
    with pytest.raises(DownloadError, match=reason):
        download_file(NAME, tmp_path, PAYLOAD_MD5, [server.mirror(mode)], progress=False)
    assert listing(tmp_path) == []


class BreakingResponse:
    """A response that delivers one chunk and then raises ``exc``; notes the directory meanwhile."""

    def __init__(self, exc: BaseException, dest: Path) -> None:
        self.exc, self.dest, self.calls = exc, dest, 0
        self.seen_mid_download: list[str] = []
        self.headers = {"Content-Length": str(len(PAYLOAD))}

    def read(self, n: int) -> bytes:
        self.calls += 1
        if self.calls == 1:
            return PAYLOAD[:n]
        self.seen_mid_download = listing(self.dest)
        raise self.exc

    def __enter__(self) -> BreakingResponse:  # noqa: PYI034 (a plain test double)
        return self

    def __exit__(self, *exc: object) -> None:
        pass


@pytest.mark.parametrize("exc", [ConnectionResetError("peer went away"), KeyboardInterrupt()])
def test_interrupted_stream_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    response = BreakingResponse(exc, tmp_path)
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: response)
    with pytest.raises(DownloadError if isinstance(exc, Exception) else KeyboardInterrupt):
        download_file(NAME, tmp_path, PAYLOAD_MD5, ["https://example.invalid/"], progress=False)
    # a temp file existed while downloading, and is gone now
    assert len(response.seen_mid_download) == 1 and response.seen_mid_download[0] != NAME
    assert listing(tmp_path) == []


def test_failed_download_keeps_existing_file(tmp_path: Path, served: str) -> None:
    dest = tmp_path / "d"
    dest.mkdir()
    (dest / NAME).write_bytes(b"old")
    with pytest.raises(DownloadError):
        download_file(NAME, dest, "0" * 32, [served], progress=False)
    assert (dest / NAME).read_bytes() == b"old" and listing(dest) == [NAME]


def test_all_mirrors_fail_lists_each_with_reason(
    tmp_path: Path, server: Server, served: str
) -> None:
    missing = (tmp_path / "nowhere").as_uri() + "/"
    mirrors = [server.mirror("404"), missing, served]
    with pytest.raises(DownloadError) as info:
        download_file(NAME, tmp_path / "d", "1" * 32, mirrors, progress=False)
    lines = str(info.value).splitlines()
    assert lines[0] == f"could not download {NAME}; tried:"
    assert lines[1] == f"  {server.mirror('404')}{NAME}: HTTP 404 Not Found"
    assert lines[2].startswith(f"  {missing}{NAME}: ") and "No such file" in lines[2]
    assert lines[3].startswith(f"  {served}{NAME}: ChecksumError: MD5 mismatch")
    assert info.value.failures[0][0] == server.mirror("404") + NAME
    assert listing(tmp_path / "d") == []


# ---- bounds: size cap and deadline -------------------------------------------------------------


def test_announced_size_over_the_cap_is_refused_before_the_body(
    tmp_path: Path, server: Server
) -> None:
    with pytest.raises(DownloadError) as info:
        download_file(NAME, tmp_path, PAYLOAD_MD5, [server.mirror("ok")], max_bytes=1000,
                      progress=False)  # fmt: skip
    assert info.value.failures == [
        (server.mirror("ok") + NAME,
         f"too large: Content-Length {len(PAYLOAD)} bytes, over the 1000-byte limit for this file"),
    ]  # fmt: skip
    assert listing(tmp_path) == []


class EndlessResponse:
    """No Content-Length and bytes for ever; counts what the client asked for."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.delivered = 0

    def read(self, n: int) -> bytes:
        self.delivered += n
        return b"\0" * n

    def __enter__(self) -> EndlessResponse:  # noqa: PYI034 (a plain test double)
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def test_endless_body_stops_one_byte_past_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = EndlessResponse()
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: response)
    cap = 300_000
    with pytest.raises(DownloadError, match=f"too large: more than the {cap}-byte limit"):
        download_file(NAME, tmp_path, PAYLOAD_MD5, ["https://example.invalid/"],
                      max_bytes=cap, progress=False)  # fmt: skip
    assert response.delivered == cap + 1
    assert listing(tmp_path) == []


def test_endless_body_from_a_server(tmp_path: Path, server: Server) -> None:
    with pytest.raises(DownloadError, match="too large: more than the 250000-byte limit"):
        download_file(NAME, tmp_path, PAYLOAD_MD5, [server.mirror("endless")],
                      max_bytes=250_000, progress=False)  # fmt: skip
    assert listing(tmp_path) == []


def test_defaults_are_bounded() -> None:
    defaults = {k: p.default for k, p in inspect.signature(download_file).parameters.items()}
    assert defaults["max_bytes"] == DEFAULT_MAX_BYTES == 256 * 2**20
    assert defaults["deadline"] == 300.0 and defaults["timeout"] == 10.0


@pytest.mark.parametrize("mode", ["ok", "nolen"])
def test_a_file_of_exactly_the_cap_is_fine(tmp_path: Path, server: Server, mode: str) -> None:
    body = server.files[NAME] if mode == "ok" else server.files[NAME][: len(PAYLOAD) // 2]
    out = download_file(NAME, tmp_path, hashlib.md5(body).hexdigest(), [server.mirror(mode)],
                        max_bytes=len(body), progress=False)  # fmt: skip
    assert out.read_bytes() == body


def test_deadline_stops_a_trickling_server(tmp_path: Path, server: Server) -> None:
    # 100 pieces, 50 ms apart: every read makes progress (no socket timeout fires), the
    # whole takes 5 s; the deadline ends it after 0.5 s and nothing is left behind.
    start = time.monotonic()
    with pytest.raises(DownloadError) as info:
        download_file(NAME, tmp_path, PAYLOAD_MD5, [server.mirror("slow")], timeout=5,
                      deadline=0.5, progress=False)  # fmt: skip
    took = time.monotonic() - start
    assert 0.5 <= took < 2.5, took
    assert info.value.failures[-1] == (server.mirror("slow") + NAME,
                                       "overall deadline of 0.5 s passed")  # fmt: skip
    assert listing(tmp_path) == []  # the worker noticed within one 50 ms piece


def test_ctrl_c_during_a_download_leaves_nothing(tmp_path: Path, server: Server) -> None:
    # A real SIGINT while the main thread waits for the worker, as a user's Ctrl-C.
    timer = threading.Timer(0.4, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    start = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            download_file(NAME, tmp_path, PAYLOAD_MD5, [server.mirror("slow")], timeout=5,
                          progress=False)  # fmt: skip
    finally:
        timer.cancel()
    assert time.monotonic() - start < 2.0
    assert listing(tmp_path) == []


def test_deadline_bounds_a_name_lookup_that_hangs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unreachable DNS server: getaddrinfo blocks, and no socket timeout applies to it."""
    release = threading.Event()

    def hanging_lookup(url: str, timeout: float) -> Any:
        release.wait(30)
        raise OSError("lookup gave up")

    monkeypatch.setattr(urllib.request, "urlopen", hanging_lookup)
    start = time.monotonic()
    mirrors = ["https://a.invalid/", "https://b.invalid/"]
    try:
        with pytest.raises(DownloadError) as info:
            download_file(NAME, tmp_path, PAYLOAD_MD5, mirrors, deadline=0.3, progress=False)
    finally:
        release.set()
    assert time.monotonic() - start < 3.0  # 0.3 s, then up to 1 s for the worker to stop
    assert info.value.failures == [(mirrors[0] + NAME, "overall deadline of 0.3 s passed")]
    assert listing(tmp_path) == []


def test_a_mirror_that_does_not_answer_is_given_up_for_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: str
) -> None:
    """A hanging name lookup costs `timeout` per mirror, then the next mirror is tried."""
    release = threading.Event()
    real_urlopen = urllib.request.urlopen
    tried: list[str] = []

    def lookup(url: str, timeout: float) -> Any:
        tried.append(url)
        if url.startswith("https://"):
            release.wait(30)
            raise OSError("lookup gave up")
        return real_urlopen(url, timeout=timeout)

    monkeypatch.setattr(urllib.request, "urlopen", lookup)
    mirrors = ["https://a.invalid/", "https://b.invalid/", served]
    start = time.monotonic()
    try:
        out = download_file(NAME, tmp_path / "d", PAYLOAD_MD5, mirrors, timeout=0.3,
                            deadline=None, progress=False)  # fmt: skip
        took = time.monotonic() - start
        with pytest.raises(DownloadError) as info:
            download_file(NAME, tmp_path / "e", PAYLOAD_MD5, mirrors[:1], timeout=0.2,
                          progress=False)  # fmt: skip
    finally:
        release.set()
    assert out.read_bytes() == PAYLOAD
    assert tried[:3] == [m + NAME for m in mirrors]
    assert took < 4.0  # 2 x (0.3 s + up to 1 s for the worker to stop)
    assert info.value.failures == [(mirrors[0] + NAME, "no progress for 0.2 s")]
    assert listing(tmp_path / "e") == []


def test_a_slow_server_that_keeps_sending_is_not_given_up(tmp_path: Path, server: Server) -> None:
    body = PAYLOAD[:10 * 1024]  # 10 pieces, 50 ms apart: 0.5 s in all, more than the timeout
    server.files = {NAME: body}
    out = download_file(NAME, tmp_path, hashlib.md5(body).hexdigest(), [server.mirror("slow")],
                        timeout=0.3, progress=False)  # fmt: skip
    assert out.read_bytes() == body


def test_deadline_covers_every_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, float]] = []

    def slow_failure(url: str, timeout: float) -> Any:
        calls.append((url, timeout))
        time.sleep(0.2)
        raise TimeoutError("timed out")

    monkeypatch.setattr(urllib.request, "urlopen", slow_failure)
    mirrors = [f"https://m{i}.invalid/" for i in range(20)]
    start = time.monotonic()
    with pytest.raises(DownloadError, match="overall deadline of 0.5 s passed"):
        download_file(NAME, tmp_path, PAYLOAD_MD5, mirrors, timeout=10, deadline=0.5,
                      progress=False)  # fmt: skip
    assert time.monotonic() - start < 1.5
    assert 2 <= len(calls) <= 4  # not all 20 mirrors
    assert all(t <= 0.5 for _, t in calls)  # each socket timeout within what is left


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("timeout", 0, "timeout must be > 0"), ("deadline", -1, "deadline must be > 0"),
     ("max_bytes", -5, "max_bytes must be >= 0")],
)  # fmt: skip
def test_bad_bounds(tmp_path: Path, served: str, option: str, value: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        download_file(NAME, tmp_path, PAYLOAD_MD5, [served], **{option: value})


def test_load_mnist_caps_each_file_a_little_above_its_known_size(
    fake_mirror: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "t10k-labels-idx1-ubyte.gz"
    size = len(fake_mirror.files[name])
    fake_mirror.files[name] += b"\0" * (size // 100 + 4097)  # just past the cap; MD5 fits
    monkeypatch.setitem(mnist_mod.MNIST_MD5, name, hashlib.md5(fake_mirror.files[name]).hexdigest())
    monkeypatch.setattr(mnist_mod, "MNIST_SIZES", {**mnist_mod.MNIST_SIZES, name: size})
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(tmp_path / "root", split="test")
    cap = size + size // 100 + 4096
    assert f"{fake_mirror.mirror('ok')}{name}: too large: Content-Length" in str(info.value)
    assert f"over the {cap}-byte limit" in str(info.value)


def test_known_sizes_match_the_files_we_have() -> None:
    bundled = Path(mnist_mod.__file__).parent / "data"
    for path in bundled.glob("*.gz"):
        assert path.stat().st_size == mnist_mod.MNIST_SIZES[path.name]
    assert sorted(mnist_mod.MNIST_SIZES) == sorted(mnist_mod.MNIST_MD5)
    assert sorted(mnist_mod.FASHION_MNIST_SIZES) == sorted(mnist_mod.FASHION_MNIST_MD5)


# ---- load_mnist with downloads -----------------------------------------------------------------


def idx_gz(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return gzip.compress(header + arr.tobytes())


@pytest.fixture
def fake_mirror(server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Server:
    """Serve a small fake MNIST (train n=30, test n=10) and point load_mnist's constants at it."""
    files = {}
    for stem, n in [("train", 30), ("t10k", 10)]:
        files[f"{stem}-images-idx3-ubyte.gz"] = idx_gz(np.full((n, 28, 28), 3, np.uint8))
        files[f"{stem}-labels-idx1-ubyte.gz"] = idx_gz((np.arange(n) % 10).astype(np.uint8))
    server.files = files
    monkeypatch.setattr(mnist_mod, "MNIST_MIRRORS", (server.mirror("404"), server.mirror("ok")))
    monkeypatch.setattr(
        mnist_mod, "MNIST_MD5", {k: hashlib.md5(v).hexdigest() for k, v in files.items()}
    )
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TINYGRAD_NP_DATA", raising=False)
    return server


def test_load_mnist_downloads_into_cache(fake_mirror: Server, tmp_path: Path) -> None:
    (x_train, y_train), (x_test, y_test) = load_mnist()
    assert x_train.shape == (30, 28, 28) and x_test.shape == (10, 28, 28)
    assert y_train.tolist() == [i % 10 for i in range(30)] and y_test.dtype == np.int64
    cache = tmp_path / "home" / ".cache" / "tinygrad_np" / "mnist"
    assert listing(cache) == sorted(mnist_mod.MNIST_MD5)
    fake_mirror.requests.clear()
    load_mnist()  # second call: everything is local now
    assert fake_mirror.requests == []


def test_load_mnist_downloads_only_missing_into_root(fake_mirror: Server, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (root / name).write_bytes(fake_mirror.files[name])
    d = load_mnist(root)
    assert d.train.images.shape == (30, 28, 28)
    assert sorted(r.rsplit("/", 1)[1] for r in fake_mirror.requests if r.startswith("/ok/")) == [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]
    assert listing(root) == sorted(mnist_mod.MNIST_MD5)
    assert not (tmp_path / "home" / ".cache").exists()


def test_env_var_respected(
    fake_mirror: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / "env"
    env.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (env / name).write_bytes(fake_mirror.files[name])
    monkeypatch.setenv("TINYGRAD_NP_DATA", str(env))
    x, _ = load_mnist(split="test")  # found in $TINYGRAD_NP_DATA: nothing fetched
    assert x.shape == (10, 28, 28) and fake_mirror.requests == []
    load_mnist(split="train")  # missing: downloaded into the cache, not into $TINYGRAD_NP_DATA
    assert listing(env) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert len(listing(tmp_path / "home" / ".cache" / "tinygrad_np" / "mnist")) == 2


def test_load_mnist_all_mirrors_fail(
    fake_mirror: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        mnist_mod, "MNIST_MIRRORS", (fake_mirror.mirror("404"), fake_mirror.mirror("cut"))
    )
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(tmp_path / "root", split="test")
    msg = str(info.value)
    assert "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]" in msg
    assert "download failed: could not download t10k-images-idx3-ubyte.gz" in msg
    assert f"{fake_mirror.mirror('404')}t10k-images-idx3-ubyte.gz: HTTP 404" in msg
    assert f"{fake_mirror.mirror('cut')}t10k-images-idx3-ubyte.gz: ConnectionError: cut off" in msg
    assert listing(tmp_path / "root") == []
    assert isinstance(info.value.__cause__, DownloadError)


def test_default_mirrors_and_checksums() -> None:
    assert mnist_mod.MNIST_MIRRORS == (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    )
    assert (
        mnist_mod.FASHION_MNIST_MIRRORS[0]
        == "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    )
    for table in (mnist_mod.MNIST_MD5, mnist_mod.FASHION_MNIST_MD5):
        assert sorted(table) == sorted(
            f"{s}.gz" for pair in mnist_mod._FILES.values() for s in pair
        )
        assert all(len(v) == 32 and int(v, 16) >= 0 for v in table.values())


def test_failed_download_makes_no_folder(tmp_path: Path, server: Server) -> None:
    dest = tmp_path / "new" / "folder"
    with pytest.raises(DownloadError):
        download_file(NAME, dest, PAYLOAD_MD5, [server.mirror("404")], progress=False)
    assert not (tmp_path / "new").exists()
    assert download_file(NAME, dest, PAYLOAD_MD5, [server.mirror("ok")], progress=False).is_file()
