"""The FastAPI application: every router under /api/v1/order-management, JSON errors, OpenAPI at /docs."""

from __future__ import annotations

from fastapi import FastAPI

from .auth import Gate
from .errors import install_handlers
from .orders import router as orders
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
    for router in (orders, system):
        app.include_router(router, prefix=BASE)
    return app
