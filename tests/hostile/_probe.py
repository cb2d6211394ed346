"""Run in a child process by test_memory: one request per case against a hostile server, then print the
error each raised and the process's peak RSS, so the client's memory is measured apart from the test's."""

from __future__ import annotations

import asyncio
import resource
import sys

import msgspec

from aiobizstim import Bizstim, BizstimError


async def main(url: str, limit: int, cases: list[str]) -> None:
    errors = {}
    async with Bizstim(api_key="k" * 40, base_url=url, max_response_bytes=limit, max_retries=0) as bz:
        for case in cases:
            try:
                await bz.discounts.list(start=0, limit=int(case))
                errors[case] = "no error"
            except BizstimError as exc:
                errors[case] = f"{type(exc).__name__}: {exc}"
    print(msgspec.json.encode({"errors": errors, "peak_mib": _peak_kib() / 1024}).decode())


def _peak_kib() -> int:
    """This process's peak RSS. Linux's ru_maxrss keeps the parent's figure across fork + exec, so read the
    high-water mark of our own address space (VmHWM) where there is one."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3:]))
