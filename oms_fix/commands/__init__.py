"""The `oms-fix` subcommands, one module each."""
