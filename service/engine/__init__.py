"""The run engine: what turns a run into model calls and tool calls."""
