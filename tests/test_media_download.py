"""``tasks.media.download_progressive`` against a real local HTTP server: Range resume after a
dropped connection, size and time limits, and how HTTP errors are classified."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from reachflow.errors import MediaError, PermanentError, TransientError
from tasks.media import download_progressive

BODY = bytes(range(256)) * 4096 * 4  # 4 MiB of known bytes (the reader hands over 1 MiB chunks)


class Media(BaseHTTPRequestHandler):
    """Serves BODY at /ok; /drop-once breaks the first connection half-way (Range honoured after);
    /no-range ignores Range; /unsized streams without Content-Length; /slow trickles; /503, /404."""

    calls: ClassVar[list[tuple[str, str | None]]] = []
    dropped = False

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None, length: bool = True) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        rng = self.headers.get("Range")
        Media.calls.append((self.path, rng))
        start = int(rng.split("=")[1].rstrip("-")) if rng else 0
        if self.path in ("/503", "/404"):
            self._send(b"no", status=int(self.path[1:]))
        elif self.path == "/drop-once" and not Media.dropped:
            Media.dropped = True
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY[: len(BODY) // 2])
            self.wfile.flush()
            self.connection.close()  # the rest never comes
        elif self.path in ("/drop-once", "/ok") and rng:
            self._send(
                BODY[start:], status=206, headers={"Content-Range": f"bytes {start}-{len(BODY) - 1}/{len(BODY)}"}
            )
        elif self.path == "/unsized":
            self._send(BODY * 3, length=False, headers={"Connection": "close"})
        elif self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            for i in range(0, len(BODY), 256 * 1024):
                self.wfile.write(BODY[i : i + 256 * 1024])
                self.wfile.flush()
                time.sleep(0.2)
        else:
            self._send(BODY)


@pytest.fixture()
def server() -> Iterator[str]:
    Media.calls = []
    Media.dropped = False
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Media)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_dropped_connection_resumes_with_a_range_request(server: str, tmp_path: Path) -> None:
    dest = download_progressive(f"{server}/drop-once", tmp_path / "m.bin", max_bytes=10 << 20, timeout_seconds=30)
    assert dest.read_bytes() == BODY
    assert Media.calls[0] == ("/drop-once", None)
    assert Media.calls[1][1] is not None and Media.calls[1][1].startswith("bytes=")
    assert int(Media.calls[1][1].split("=")[1].rstrip("-")) > 0  # only the missing part was asked for


def test_the_size_limit_stops_a_download_with_or_without_content_length(server: str, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="larger than the 0 MB limit"):
        download_progressive(f"{server}/ok", tmp_path / "a.bin", max_bytes=1000, timeout_seconds=30)
    with pytest.raises(MediaError, match="larger than the 6 MB limit"):
        download_progressive(f"{server}/unsized", tmp_path / "b.bin", max_bytes=6 << 20, timeout_seconds=30)
    assert (tmp_path / "b.bin").stat().st_size <= 6 << 20  # it stopped at the limit, not after


def test_the_time_limit_is_a_transient_fault(server: str, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(TransientError, match="longer than 1 s"):
        download_progressive(f"{server}/slow", tmp_path / "s.bin", max_bytes=10 << 20, timeout_seconds=1)
    assert time.monotonic() - started < 3.5


def test_server_errors_are_retried_here_and_refusals_are_not(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reachflow.settings import get_settings

    monkeypatch.setenv("REACHFLOW_RETRY_DELAY_SCALE", "0")
    get_settings.cache_clear()
    try:
        with pytest.raises(TransientError, match="HTTP 503"):
            download_progressive(f"{server}/503", tmp_path / "x.bin", max_bytes=1 << 20, timeout_seconds=10)
        assert [path for path, _ in Media.calls] == ["/503"] * 4  # one policy: four attempts in all
        Media.calls.clear()
        with pytest.raises(PermanentError, match="HTTP 404"):
            download_progressive(f"{server}/404", tmp_path / "y.bin", max_bytes=1 << 20, timeout_seconds=10)
        assert [path for path, _ in Media.calls] == ["/404"]  # a refusal is never repeated
    finally:
        get_settings.cache_clear()
