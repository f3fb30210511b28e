"""The fuzzing harness: seeded mutants of every input format, read in limited child processes.

``benchmarks/fuzz.py`` runs it on demand; ``tests/fuzz/test_fuzz.py`` runs a
small seeded run in CI. ``expectations.py`` says which formats must pass.
"""
