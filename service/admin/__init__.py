"""Operator commands over the opened storage: verify the log, read a timeline, rebuild the read
models. Each module's run() returns the process exit code."""
