"""The REST API (/api/v1/order-management), its access control, audit trail, reports and the blotter page."""
