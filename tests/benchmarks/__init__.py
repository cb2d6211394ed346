"""``make bench`` (``python -m tests.benchmarks``): aiobizstim against the ideal and against naive peers.

Not collected by pytest (``norecursedirs`` in pyproject, and no module is named ``test_*``).
"""
