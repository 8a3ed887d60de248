"""oms-fix: a FIX 4.4 order and execution management system with simulated venues."""

__version__ = "0.1.0"
