"""``make interop`` (``python -m tests.interop``): tap-bizstim and ``aiobizstim.dlt`` against the real peers.

Each peer lives in a virtualenv of its own under ``.interop/venvs`` (some pin very old libraries, so never
the dev environment), built once per set of pins; every run installs this checkout's freshly built wheel
into the venvs that need it. Everything reads one in-process FakeBizstim over loopback: nothing leaves the
machine but the package installs of a cold run. Each peer's check prints one line: name, version,
PASS/FAIL and the facts it established (records, unique ids, types seen).
"""
