"""Benchmarks behind `oms-fix bench`: each figure beside its reference, measured in the same run."""
