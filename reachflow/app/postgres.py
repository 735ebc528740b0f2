"""A throwaway PostgreSQL cluster for Prefect's database: demo, soak, scale bench and tests.

Debian's ``postgresql`` package (15 here) ships ``initdb`` and ``pg_ctl``. ``initdb`` refuses to
run as root, so when we are root every server command runs as the ``postgres`` user (``runuser``).
The cluster lives in a fresh temporary folder, listens on 127.0.0.1 on a free port (its Unix socket
stays inside that folder), trusts local connections, and is removed when it stops::

    with throwaway_postgres() as pg:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = pg.url   # postgresql+asyncpg://...

``python -m reachflow.app.postgres`` starts one, prints its URL and keeps it until Ctrl-C (what
``make postgres`` runs). A production server needs a real, durable PostgreSQL (see the README):
this one turns fsync off unless ``durable=True``, because it only ever holds a rehearsal.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresCluster", "find_pg_bin", "throwaway_postgres"]

DATABASE = "prefect"
SERVICE_USER = "postgres"
HOST = "127.0.0.1"


def find_pg_bin() -> Path:
    """The folder with ``initdb``, ``pg_ctl`` and ``postgres`` (PATH first, then Debian's layout).

    Raises:
        RuntimeError: PostgreSQL is not installed.
    """
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if versions:
        return versions[-1].parent
    raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresCluster:
    """A running throwaway cluster: ``url`` is what Prefect's server connects with."""

    folder: Path
    port: int
    bin_dir: Path

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.folder / "data"

    @property
    def url(self) -> str:
        """SQLAlchemy URL for ``PREFECT_API_DATABASE_CONNECTION_URL`` (asyncpg driver)."""
        return f"postgresql+asyncpg://{SERVICE_USER}@{HOST}:{self.port}/{DATABASE}"

    def command(self, args: list[str]) -> list[str]:
        """``args`` run as the postgres user when we are root (initdb and postgres refuse root)."""
        if os.geteuid() == 0:
            return ["runuser", "-u", SERVICE_USER, "--", *args]
        return args

    def run(self, args: list[str], timeout: float = 120) -> str:
        """Run a PostgreSQL tool; its output, or RuntimeError with it."""
        result = subprocess.run(
            self.command(args), capture_output=True, text=True, timeout=timeout, cwd=self.folder, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {(result.stderr or result.stdout).strip()[-800:]}")
        return result.stdout

    def start(self, durable: bool = False) -> None:
        """initdb, start the server, create the ``prefect`` database."""
        self.run(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SERVICE_USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        options = [
            f"-p {self.port}",
            f"-k {self.folder}",
            f"-c listen_addresses={HOST}",
            "-c max_connections=200",
            "-c shared_buffers=64MB",
        ]
        if not durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self.run(
            [
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.folder / "postgres.log"),
                "-o",
                " ".join(options),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        self.run([str(self.bin_dir / "createdb"), "-h", HOST, "-p", str(self.port), "-U", SERVICE_USER, DATABASE])

    def stop(self) -> None:
        """Stop the server (fast shutdown, then immediate) and remove the folder."""
        if (self.data_dir / "postmaster.pid").exists():
            for mode in ("fast", "immediate"):
                try:
                    self.run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"], 60)
                    break
                except (RuntimeError, subprocess.TimeoutExpired):
                    continue
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def throwaway_postgres(durable: bool = False) -> Iterator[PostgresCluster]:
    """Start a cluster in a temporary folder on a free port; stop it and remove it on exit.

    Args:
        durable: Keep fsync on (for measurements that should reflect a real server's disk writes).

    Yields:
        The running cluster (``.url`` for Prefect).
    """
    folder = Path(tempfile.mkdtemp(prefix="reachflow-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, SERVICE_USER, SERVICE_USER)
    cluster = PostgresCluster(folder=folder, port=_free_port(), bin_dir=find_pg_bin())
    try:
        cluster.start(durable=durable)
        yield cluster
    finally:
        cluster.stop()


def main() -> None:
    """Run a throwaway cluster until Ctrl-C (or SIGTERM), printing its Prefect URL."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    with throwaway_postgres() as cluster:
        print(f"PREFECT_API_DATABASE_CONNECTION_URL={cluster.url}", flush=True)
        print("PostgreSQL is up; Ctrl-C stops it and removes its data.", flush=True)
        with suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
