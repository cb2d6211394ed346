"""``python -m aiobizstim.testing``: run a FakeBizstim until Ctrl-C (for benchmarks and scripts).

Prints ``export BIZSTIM_BASE_URL=...`` and ``export BIZSTIM_API_KEY=...`` on stdout once listening
(shell-quoted: ``eval`` them).
"""

from __future__ import annotations

import argparse

from aiobizstim.testing._serve import serve


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="python -m aiobizstim.testing", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port (default)")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--fault-rate", type=float, default=0.0, help="0..1, a realistic mix of failures")
    args = parser.parse_args(argv)
    serve(
        host=args.host,
        port=args.port,
        clients=args.clients,
        seed=args.seed,
        latency=args.latency_ms / 1000,
        jitter=args.jitter_ms / 1000,
        fault_rate=args.fault_rate,
    )


if __name__ == "__main__":
    main()
