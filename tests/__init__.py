"""The aiobizstim test suite (unit, integration, CLI) and the benchmarks package (``make bench``)."""
