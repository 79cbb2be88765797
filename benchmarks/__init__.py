"""Benchmarks of fnmlp against a notebook-style numpy loop, sklearn and the matmul floor.

Run ``python -m benchmarks.run --help`` from the repository root. Nothing here
asserts an absolute time: every number is printed next to the baseline measured
in the same run.
"""
