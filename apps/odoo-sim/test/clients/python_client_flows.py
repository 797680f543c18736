"""Ordinary integration flows run by two Odoo clients we did not write:
Python's own xmlrpc.client (XML-RPC, what most Odoo scripts use) and Debian's python3-odoorpc
(JSON-RPC through /web/session/authenticate and /jsonrpc).

Usage: python_client_flows.py <port> <api_key>  -> prints one JSON document with what each call returned.
"""
import json
import sys
import xmlrpc.client

import odoorpc

PORT = int(sys.argv[1])
API_KEY = sys.argv[2]
URL = f"http://127.0.0.1:{PORT}"
DB = "omnibus"
out = {}


def fault(fn):
    try:
        fn()
    except xmlrpc.client.Fault as exc:
        return {"code": exc.faultCode, "string": exc.faultString}
    return None


def rpc_error(fn):
    try:
        fn()
    except odoorpc.error.RPCError as exc:
        return {"message": str(exc), "code": exc.info["code"], "name": exc.info["data"]["name"], "arguments": exc.info["data"]["arguments"]}
    return None


# ---------------------------------------------------------------- xmlrpc.client
common = xmlrpc.client.ServerProxy(f"{URL}/xmlrpc/2/common")
models = xmlrpc.client.ServerProxy(f"{URL}/xmlrpc/2/object")
out["version"] = common.version()
uid = common.authenticate(DB, "admin", "admin", {})
out["uid"] = uid
out["bad_password"] = common.authenticate(DB, "admin", "wrong", {})
out["api_key_uid"] = common.authenticate(DB, "admin", API_KEY, {})

out["partners"] = models.execute_kw(
    DB, uid, API_KEY, "res.partner", "search_read",
    [[["customer_rank", ">", 0], ["email", "ilike", "customers.example"]]],
    {"fields": ["name", "email", "write_date", "country_id"], "order": "id asc", "limit": 2,
     "context": {"lang": "en_US", "tz": "UTC", "active_test": False}},
)
out["created_one"] = models.execute_kw(DB, uid, "admin", "res.partner", "create", [{"name": "Py One", "ref": "PY-1"}])
out["created_many"] = models.execute_kw(DB, uid, "admin", "res.partner", "create", [[{"name": "Py Two"}, {"name": "Py Three"}]])
out["write"] = models.execute_kw(DB, uid, "admin", "res.partner", "write", [[out["created_one"]], {"phone": "+1 555 0100"}])
order = models.execute_kw(DB, uid, "admin", "sale.order", "create", [{
    "partner_id": out["created_one"], "client_order_ref": "PY-ORDER-1",
    "order_line": [[0, 0, {"product_id": 1, "product_uom_qty": 2}]],
}])
out["confirm"] = models.execute_kw(DB, uid, "admin", "sale.order", "action_confirm", [[order]])
out["order"] = models.execute_kw(DB, uid, "admin", "sale.order", "read", [[order]], {"fields": ["state", "picking_ids", "amount_total"]})[0]
out["execute_positional"] = models.execute(DB, uid, "admin", "res.partner", "search_count", [["id", "=", out["created_one"]]])

out["xml_unknown_model"] = fault(lambda: models.execute_kw(DB, uid, "admin", "res.nope", "search", [[]]))
out["xml_bad_password"] = fault(lambda: models.execute_kw(DB, uid, "wrong", "res.partner", "search", [[]]))
out["xml_access_error"] = fault(lambda: models.execute_kw(DB, 7, "viewer", "account.move", "search", [[]]))
out["xml_validation"] = fault(lambda: models.execute_kw(DB, uid, "admin", "res.partner", "create", [{"name": False}]))
out["xml_private"] = fault(lambda: models.execute_kw(DB, uid, "admin", "res.partner", "_compute_display_name", [[1]]))
out["xml_unknown_method"] = fault(lambda: models.execute_kw(DB, uid, "admin", "res.partner", "frobnicate", [[1]]))
picking = out["order"]["picking_ids"][0]
out["xml_none_result"] = fault(lambda: models.execute_kw(DB, uid, "admin", "stock.picking", "do_unreserve", [[picking]]))
out["picking_after_none"] = models.execute_kw(DB, uid, "admin", "stock.picking", "read", [[picking]], {"fields": ["state"]})[0]["state"]

# ---------------------------------------------------------------- odoorpc
odoo = odoorpc.ODOO("127.0.0.1", port=PORT)
out["odoorpc_version"] = odoo.version
odoo.login(DB, "admin", "admin")
out["odoorpc_uid"] = odoo.env.uid
out["odoorpc_context"] = odoo.env.context
Partner = odoo.env["res.partner"]
ids = Partner.search([("ref", "=", "PY-1")])
partner = Partner.browse(ids[0])
out["odoorpc_partner"] = {"name": partner.name, "phone": partner.phone, "country": partner.country_id.name if partner.country_id else False}
partner.email = "py.one@example.com"  # auto_commit: a write call
out["odoorpc_after_write"] = Partner.read(ids, ["email"])[0]["email"]
new_id = Partner.create({"name": "Rpc Created", "customer_rank": 1})
out["odoorpc_created"] = isinstance(new_id, int)
SaleOrder = odoo.env["sale.order"]
so = SaleOrder.create({"partner_id": new_id, "order_line": [(0, 0, {"product_id": 2, "product_uom_qty": 1})]})
out["odoorpc_confirm"] = odoo.execute_kw("sale.order", "action_confirm", [[so]])
out["odoorpc_state"] = SaleOrder.browse(so).state
out["odoorpc_model_exists"] = ["sale.order" in odoo.env, "res.nope" in odoo.env]
picking = SaleOrder.browse(so).picking_ids.ids[0]
out["odoorpc_none_result"] = odoo.execute("stock.picking", "do_unreserve", [picking])
out["odoorpc_unknown_model"] = rpc_error(lambda: odoo.execute("res.nope", "search", []))
out["odoorpc_validation"] = rpc_error(lambda: Partner.create({"name": False}))
out["odoorpc_type_error"] = rpc_error(lambda: odoo.execute_kw("res.partner", "search_count", [[]], {"bogus": 1}))
viewer = odoorpc.ODOO("127.0.0.1", port=PORT)
viewer.login(DB, "viewer", "viewer")
out["odoorpc_access_error"] = rpc_error(lambda: viewer.execute("account.move", "search", []))
keyed = odoorpc.ODOO("127.0.0.1", port=PORT)
out["odoorpc_api_key_session"] = rpc_error(lambda: keyed.login(DB, "admin", API_KEY))

print(json.dumps(out))
