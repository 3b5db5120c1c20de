"""Throwaway servers on loopback (PostgreSQL, Redis, SMTP), free ports and waiting for a
condition: what the tests and the benchmarks both start and stop. It imports neither."""
