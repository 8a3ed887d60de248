"""The OMS core: order handling, risk, routing and algos. Sans-IO: every entry point takes ``now``.

Modules are imported by name (``oms_fix.engine.risk``); this package re-exports
nothing, so importing one part never drags in the others.
"""
