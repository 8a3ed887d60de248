"""Our FIX 4.4 engine: codec, data dictionary, sans-IO session, message stores."""
