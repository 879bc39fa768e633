"""The benchmark of QUALITY.md (Speed and scale): `make bench` runs bench/run.py."""
