"""The asyncio runtime: sockets and a live clock around the sans-IO cores."""
