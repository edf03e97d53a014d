"""The Assistants API server."""

import os

# code_interpreter's sandboxes are forked (for their rlimits and uid) and exec bwrap at once,
# so gRPC's fork handlers have nothing to protect; left on, gRPC logs a line for every fork
# made while other threads are in a call. Set before gRPC initialises; an operator's own
# setting wins.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
