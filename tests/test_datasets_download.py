"""download_file and load_mnist's download path, served from file:// URLs and a loopback server.

No test reaches the real network: name lookups other than loopback fail (conftest's `no_network`).
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_np.datasets import DatasetNotFoundError, DownloadError, download_file, load_mnist
from tinygrad_np.datasets import mnist as mnist_mod

PAYLOAD = bytes(range(256)) * 400  # 100 KiB: several read chunks
PAYLOAD_MD5 = hashlib.md5(PAYLOAD).hexdigest()
NAME = "t10k-labels-idx1-ubyte.gz"


class Server:
    """Loopback HTTP server. Paths are /<mode>/<file>; modes: ok, 404, cut (hangs up halfway,
    after announcing the full Content-Length), nolen (no Content-Length, half the body)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
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
                if mode != "nolen":
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body if mode == "ok" else body[: len(body) // 2])
                self.close_connection = True

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
