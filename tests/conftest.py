"""Every `oms-fix up` a test starts serves its REST API on a free port (OMS_FIX_API_PORT=0), and every venue
whose config names no control_port its control API on one (OMS_FIX_VENUE_CONTROL_PORT=0), so tests never
fight over 8080, over a free FIX port + 100, or with a system the developer runs. A test that talks to
either finds the address in what the process prints, or sets the port itself."""

import os

os.environ.setdefault("OMS_FIX_API_PORT", "0")
os.environ.setdefault("OMS_FIX_VENUE_CONTROL_PORT", "0")
