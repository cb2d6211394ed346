"""FakeBizstim in a child process, so the server's CPU time never lands on the client being measured.

Run as ``python -m tests.benchmarks._fake_process --clients N``. The child prints one JSON line
``{"url": ..., "api_key": ...}`` once it listens on 127.0.0.1, then obeys one command per stdin line:
``latency SECONDS [JITTER]`` (answers ``ok``), ``capacity C [AFTER]`` (``C`` requests served at full
speed at once, ``none`` for unlimited; from ``AFTER`` seconds on if given; answers ``ok``), ``stats``
(answers a JSON line, then resets the fake's counters) and ``quit`` (or end of input).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from aiobizstim.testing import FakeBizstim


async def _serve(clients: int, seed: int) -> None:
    loop = asyncio.get_running_loop()
    async with FakeBizstim(clients=clients, seed=seed, host="127.0.0.1", port=0) as fake:
        print(json.dumps({"url": fake.url, "api_key": fake.api_key}), flush=True)
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).split()
            if not line or line[0] == "quit":
                return
            if line[0] == "latency":
                fake.set_latency(float(line[1]), float(line[2]) if len(line) > 2 else 0.0)
                fake.reset_stats()
                print("ok", flush=True)
            elif line[0] == "capacity":
                capacity = None if line[1] == "none" else float(line[1])
                if len(line) > 2:
                    loop.call_later(float(line[2]), fake.set_capacity, capacity)
                else:
                    fake.set_capacity(capacity)
                print("ok", flush=True)
            elif line[0] == "stats":
                statuses = [r.status for r in fake.requests]
                stats = {"max_in_flight": fake.max_in_flight, "requests": len(statuses)}
                print(json.dumps({**stats, "shed": statuses.count(429)}), flush=True)
                fake.reset_stats()
            else:
                print(f"error: unknown command {line[0]!r}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(_serve(args.clients, args.seed))


class FakeServer:
    """Parent side: start the child, read its address and key, change its latency, stop it."""

    def __init__(self, clients: int, *, seed: int = 0) -> None:
        self.clients = clients
        self.seed = seed
        self.url = ""
        self.api_key = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> FakeServer:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", __name__, "--clients", str(self.clients), "--seed", str(self.seed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],  # where ``tests`` is importable from
        )
        try:
            hello = json.loads(self._readline())
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self.url, self.api_key = hello["url"], hello["api_key"]
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            self._send("quit")
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()
            self._proc = None

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        proc = self._proc
        assert proc is not None
        assert proc.stdin is not None
        assert proc.stdout is not None
        return proc.stdin, proc.stdout

    def _readline(self) -> str:
        line = self._pipes()[1].readline()
        if not line:
            raise RuntimeError("the fake server process exited (see its stderr above)")
        return line

    def _send(self, command: str) -> None:
        stdin = self._pipes()[0]
        stdin.write(command + "\n")
        stdin.flush()

    def set_latency(self, seconds: float, jitter: float = 0.0) -> None:
        """Delay every response by ``seconds`` plus a uniform random ``0..jitter`` from now on (and clear the
        request log)."""
        self._send(f"latency {seconds} {jitter}")
        if (answer := self._readline().strip()) != "ok":
            raise RuntimeError(f"fake server: {answer}")

    def set_capacity(self, capacity: float | None, *, after: float | None = None) -> None:
        """Serve ``capacity`` requests at full speed at once (None: unlimited), now or ``after`` seconds."""
        when = "" if after is None else f" {after}"
        self._send(f"capacity {'none' if capacity is None else capacity}{when}")
        if (answer := self._readline().strip()) != "ok":
            raise RuntimeError(f"fake server: {answer}")

    def stats(self) -> dict[str, Any]:
        """The fake's counters since the last call: the peak number of requests in flight, the requests and
        the 429s among them."""
        self._send("stats")
        result: dict[str, Any] = json.loads(self._readline())
        return result


if __name__ == "__main__":
    main()
