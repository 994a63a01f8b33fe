"""A hostile web on loopback for the reliability tests (see docs/reliability.md).

``server`` is a standalone program run in a subprocess (so that its sleeping and
streaming threads can never hold up the test process); ``harness`` starts it and reads
its request log.
"""
