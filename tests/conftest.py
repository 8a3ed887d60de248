"""Every `oms-fix up` a test starts serves its REST API on a free port (OMS_FIX_API_PORT=0), so tests never
fight over 8080 or with a system the developer runs; a test that talks to the API passes --api-port."""

import os

os.environ.setdefault("OMS_FIX_API_PORT", "0")
