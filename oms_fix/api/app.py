"""The FastAPI application: every router under /api/v1/order-management, JSON errors, OpenAPI at /docs."""

from __future__ import annotations

from fastapi import FastAPI

from .auth import Gate
from .bestex import router as bestex
from .blotter import router as blotter
from .config_routes import router as config_routes
from .errors import install_handlers
from .executions import router as executions
from .market import router as market
from .metrics import router as metrics
from .observers import install as observe
from .orders import router as orders
from .reports import router as reports
from .risk import router as risk
from .service import ApiService
from .system import router as system
from .users import Users

__all__ = ["BASE", "create_app"]

BASE = "/api/v1/order-management"


def create_app(service: ApiService, users: Users) -> FastAPI:
    app = FastAPI(title="oms-fix", version="1", docs_url="/docs", openapi_url="/openapi.json",
                  description="The OMS/EMS over HTTP: the same orders, risk checks, journal and drop copy as FIX 4.4. "
                              "Send your API key in X-API-Key (config/api_users.yaml).")
    app.state.service = service
    app.state.gate = Gate(users)
    install_handlers(app)
    for router in (orders, system, market, executions, risk, config_routes, bestex, reports, metrics):
        app.include_router(router, prefix=BASE)
    observe(app)  # best-execution evidence, metrics and REST request counts (observers.py)
    app.include_router(blotter)  # the page at /, outside BASE: a browser opens the bare address
    return app
