"""Running a peer's command: bounded in time, output captured, a failure shown with the end of its output."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from tests.interop._outcome import CheckError

__all__ = ["clean_env", "pipe", "run", "tail"]

#: Seconds any one command may take (a cold venv build included).
TIMEOUT = 900.0
_TAIL = 1500


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without Bizstim settings, virtualenv markers or Python overrides (each
    peer gets exactly the settings its check gives it), plus ``extra``."""
    dropped = ("BIZSTIM_", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "TAP_", "TARGET_", "MELTANO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(extra or {})
    return env


@contextlib.contextmanager
def _files(stdin: Path | None, stdout: Path | None) -> Iterator[tuple[BinaryIO, BinaryIO]]:
    """The files a command reads and writes (the null device where none is given)."""
    with open(stdin or os.devnull, "rb") as source, open(stdout or os.devnull, "wb") as sink:
        yield source, sink


def tail(text: str) -> str:
    """The end of a command's output, enough to see why it failed."""
    return text[-_TAIL:].strip()


async def run(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: Path | None = None,
    stdout: Path | None = None,
    check: bool = True,
) -> tuple[int, str, str]:
    """Run ``argv`` to completion; return (exit code, stdout, stderr). ``stdin``/``stdout`` connect files
    instead of pipes (stdout is then returned empty). With ``check``, a non-zero exit is a failure."""
    with _files(stdin, stdout) as (source, sink):
        proc = await asyncio.create_subprocess_exec(
            *map(str, argv),
            cwd=cwd,
            env=clean_env() if env is None else dict(env),
            stdin=source,
            stdout=sink if stdout else asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise CheckError(f"{Path(argv[0]).name} did not finish within {TIMEOUT:.0f} s") from None
    code = proc.returncode
    assert code is not None  # communicate() waited for the exit
    text_out, text_err = (out or b"").decode(errors="replace"), err.decode(errors="replace")
    if check and code != 0:
        raise CheckError(f"{Path(argv[0]).name} exited {code}: {tail(text_err or text_out)}")
    return code, text_out, text_err


async def pipe(
    producer: Sequence[str | Path],
    consumer: Sequence[str | Path],
    *,
    cwd: Path,
    env: Mapping[str, str],
) -> str:
    """``producer | consumer`` through an OS pipe, like a shell; both must exit 0. Returns the consumer's
    stdout."""
    read_end, write_end = os.pipe()
    try:
        first = await asyncio.create_subprocess_exec(
            *map(str, producer), cwd=cwd, env=dict(env), stdout=write_end, stderr=asyncio.subprocess.PIPE
        )
        second = await asyncio.create_subprocess_exec(
            *map(str, consumer),
            cwd=cwd,
            env=dict(env),
            stdin=read_end,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    finally:
        os.close(read_end)  # the children hold their own ends: the consumer sees EOF when the producer exits
        os.close(write_end)
    try:
        (_, err1), (out2, err2) = await asyncio.wait_for(
            asyncio.gather(first.communicate(), second.communicate()), TIMEOUT
        )
    except TimeoutError:
        for proc in (first, second):
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        raise CheckError(
            f"{Path(producer[0]).name} | {Path(consumer[0]).name}: over {TIMEOUT:.0f} s"
        ) from None
    for argv, proc, err in ((producer, first, err1), (consumer, second, err2)):
        if proc.returncode != 0:
            raise CheckError(
                f"{Path(argv[0]).name} exited {proc.returncode}: {tail(err.decode(errors='replace'))}"
            )
    return out2.decode(errors="replace")
