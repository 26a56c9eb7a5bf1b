"""ropbot: a channel-agnostic assistant for the Norwegian ROP guideline (IS-1948)."""

__version__ = "0.1.0"
