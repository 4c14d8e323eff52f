"""Benchmarks (``teledossier bench``): throughput and latency measured end to end."""
