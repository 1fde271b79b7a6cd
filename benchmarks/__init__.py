"""`make bench`: projection throughput, command-to-read latency and rebuild memory, on PostgreSQL."""
