"""TLS contexts for the FIX acceptors and initiators and the REST API, from certificate paths in the config."""

from __future__ import annotations

import ssl
from pathlib import Path

__all__ = ["TlsError", "client_context", "server_context"]


class TlsError(Exception):
    """A certificate or key that cannot be loaded; the message names the file and why."""


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """For an acceptor: its certificate chain and private key (PEM). TLS 1.2 at least."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    for path in (cert, key):
        if not path.is_file():
            raise TlsError(f"{path}: no such file")  # ssl's own error does not say which
    try:
        ctx.load_cert_chain(cert, key)
    except ssl.SSLError as e:
        raise TlsError(f"{cert} / {key}: not a PEM certificate and its private key ({e.reason or e})") from None
    return ctx


def client_context(ca: Path | None = None) -> ssl.SSLContext:
    """For an initiator: checks the acceptor's certificate against ``ca`` (PEM), else the system's CAs."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca is not None:
        if not ca.is_file():
            raise TlsError(f"{ca}: no such file")
        try:
            ctx.load_verify_locations(cafile=ca)
        except ssl.SSLError as e:
            raise TlsError(f"{ca}: not a PEM certificate ({e.reason or e})") from None
    return ctx
