"""What the API watches beside serving requests: best-execution evidence, metrics, REST request counts.

``install(app)`` is called once by ``create_app``, before the journal's replay
(``oms-fix up`` builds the app first): the listeners it adds skip the replay's
outputs themselves, and the evidence of earlier runs is read from the journal.
"""

from __future__ import annotations

from fastapi import FastAPI

from .bestex import Evidence
from .metrics import Metrics, RequestCounter
from .service import ApiService

__all__ = ["install"]


def install(app: FastAPI) -> None:
    svc: ApiService = app.state.service
    app.state.evidence = Evidence(svc)
    app.state.metrics = Metrics(svc)
    app.add_middleware(RequestCounter, counts=app.state.metrics.requests)
