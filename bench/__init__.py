"""The benchmark of docs/quality-bars.md (Speed and scale): `make bench` runs bench/run.py."""
