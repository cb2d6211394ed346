"""The emulated Bizstim methods: request -> envelope, over a :class:`Dataset`. No faults, auth or timing here.

Paths, verbs and pagination limits come from :data:`aiobizstim.models.ENDPOINTS` (generated from ``schema/``).
Behaviour the docs leave open is decided here, the way a PHP/MySQL backend most likely behaves:

* pagination is ``LIMIT start, limit``: a ``start`` at or past the end gives an empty list (``total``
  still the record count), a ``limit`` above the method's maximum is clamped to the maximum, ``limit`` 0 gives
  an empty list, and a segment that is not a non-negative integer gives a failure envelope;
* an unknown id, or a lookup that matches nothing, gives ``{"status":"failure","response":"... not found"}``
  with HTTP 200;
* write bodies are JSON objects (form-encoded bodies are accepted too) with wire field names; results are
  success or failure envelopes with a message.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

import msgspec
from aiohttp import web

from aiobizstim.models import ENDPOINTS, Endpoint, PaymentCreate, Shape
from aiobizstim.models._base import given, unmet_requirement
from aiobizstim.models._kinds import field_kinds
from aiobizstim.testing._clients import CLIENT_CONTACT_FIELDS, CLIENT_SUMMARY_FIELDS
from aiobizstim.testing._dataset import Dataset, ondemand_link
from aiobizstim.testing._log import PageRequest
from aiobizstim.testing._seeded import Record

__all__ = ["FakeAPI", "Handler", "envelope"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DriftHook = Callable[[PageRequest], None]

_ENCODER: Final = msgspec.json.Encoder()
_JSON: Final = "application/json"

# Table name in the Dataset for each single-record method.
_ONE_TABLE: Final = {
    "availability": "availability",
    "service": "services",
    "discount": "discounts",
    "payment": "payments",
    "location": "locations",
}
_CLIENT_STATUS: Final = frozenset({"active", "inactive", "prospect"})
_PRACT_STATUS: Final = frozenset({"inactive", "active", "contactList", "doNotHire"})
_CLIENT_REQUIRED: Final = ("first_name", "last_name", "status", "state", "country")
_IMPORT_ERROR: Final = (
    "There was an error with 1 or more of the records. "
    "Please check the records to determine which accounts were impacted"
)
_TRIAL_LIMIT: Final = "Trial accounts may only add 3 clients per run or 30 clients an hour"


def envelope(payload: Mapping[str, Any], status: int = 200) -> web.Response:
    """A JSON answer encoded with msgspec."""
    return web.Response(body=_ENCODER.encode(payload), status=status, content_type=_JSON)


def _success(response: Any) -> web.Response:
    return envelope({"status": "success", "response": response})


def _failure(message: str) -> web.Response:
    return envelope({"status": "failure", "response": message})


def _wire_value(value: Any) -> Any:
    """A value as the API stores it: numbers and booleans become strings, lists stay lists."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    if value is None:
        return ""
    return value


def _missing(body: Mapping[str, Any], required: tuple[str, ...]) -> list[str]:
    return [k for k in required if str(body.get(k, "") or "").strip() == ""]


def _unmet(model: type[msgspec.Struct], body: Mapping[str, Any]) -> str | None:
    """The client's check of ``model``'s required-fields rule (``__required_any_of__``), on a wire body."""
    wire = {spec.attr: spec.wire for spec in field_kinds(model)}
    return unmet_requirement(model, lambda attr: given(body.get(wire[attr])))


async def _read_body(request: web.Request) -> dict[str, Any] | None:
    """The write body as a dict, or None when it is not a JSON object or a form."""
    if request.content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None
    return body if isinstance(body, dict) else None


class FakeAPI:
    """Handlers for every method in the endpoint table, answering from one :class:`Dataset`."""

    def __init__(self, data: Dataset, *, trial: bool = False) -> None:
        self.data = data
        self.trial = trial
        self.drift: DriftHook | None = None
        self._pages_served = 0

    # -- routing ----------------------------------------------------------------------------------------

    def routes(self) -> list[tuple[str, str, Handler]]:
        """``(verb, path, handler)`` for every documented method (optional page segments spelled out)."""
        out: list[tuple[str, str, Handler]] = []
        for ep in ENDPOINTS.values():
            out.extend(self._routes_for(ep))
        # The intro page's path form of GET CLIENT: /api/client/{id}.
        out.append(("GET", ENDPOINTS["client"].path + "/{client_id}", self._client_by_path))
        return out

    def _routes_for(self, ep: Endpoint) -> list[tuple[str, str, Handler]]:
        if ep.shape is Shape.PAGE:
            base = ep.path.split("/{", 1)[0]
            handler = self._page_handler(ep)
            return [(ep.verb, p, handler) for p in (base, base + "/{start}", base + "/{start}/{limit}")]
        special: dict[str, Handler] = {
            "client": self._client_by_query,
            "ondemand": self._ondemand,
            "testimonials": self._testimonials,
            "client.update": self._client_update,
            "client.add": self._client_add,
            "clients.import": self._clients_import,
            "payment.create": self._payment_create,
            "payment.add": self._payment_create,
            "practitioner.create": self._practitioner_create,
        }
        if ep.name in special:
            return [(ep.verb, ep.path, special[ep.name])]
        if ep.name in _ONE_TABLE:
            return [(ep.verb, ep.path, self._one_handler(_ONE_TABLE[ep.name]))]
        return []  # a method added to the schema that the fake does not know yet

    # -- reads ------------------------------------------------------------------------------------------

    def _page_handler(self, ep: Endpoint) -> Handler:
        default = ep.default_limit or 20
        maximum = ep.max_limit or default
        name = ep.name

        async def page(request: web.Request) -> web.StreamResponse:
            start_s = request.match_info.get("start", "0")
            limit_s = request.match_info.get("limit", str(default))
            if not (start_s.isascii() and start_s.isdigit() and limit_s.isascii() and limit_s.isdigit()):
                return _failure("Invalid start or limit: both must be non-negative integers")
            start, limit = int(start_s), min(int(limit_s), maximum)
            if self.drift is not None:
                self.drift(PageRequest(name, start, limit, self._pages_served))
            self._pages_served += 1
            if name == "clients":
                # The hot path of every export benchmark: records are rendered straight to JSON bytes.
                store = self.data.clients
                records = store.page_json(start, limit) if limit else b"[]"
                raw = b'{"status":"success","total":%d,"response":%b}' % (len(store), records)
                return web.Response(body=raw, content_type=_JSON)
            rows = self.data.tables[name]
            body: dict[str, Any] = {"status": "success", "total": len(rows)}
            if name == "sessions":
                body["timezone"] = "America/Toronto"  # the account's timezone, a documented extra key
            body["response"] = rows[start : start + limit]
            return envelope(body)

        return page

    def _one_handler(self, table: str) -> Handler:
        async def one(request: web.Request) -> web.StreamResponse:
            (record_id,) = request.match_info.values()
            rec = self.data.find(table, record_id)
            if rec is None:
                return _failure(f"No {table.rstrip('s')} found with id {record_id[:40]}")
            return _success(rec)

        return one

    async def _testimonials(self, request: web.Request) -> web.StreamResponse:
        return _success(self.data.tables["testimonials"])

    async def _client_by_query(self, request: web.Request) -> web.StreamResponse:
        query = request.rel_url.query
        rec: Record | None = None
        for key, value in query.items():
            # email, username and id override the names; whichever of them comes first wins. An empty value
            # counts as absent (PHP's `if ($this->get('id'))`).
            if not value.strip():
                continue
            if key == "email":
                rec = self.data.clients.find_by_email(value)
                break
            if key == "username":
                rec = self.data.clients.find_by_username(value)
                break
            if key == "id":
                rec = self._client_by_id(value)
                break
        else:
            first, last = query.get("first_name") or None, query.get("last_name") or None
            if first is None and last is None:
                return _failure(
                    "No search parameters provided: use id, email, username or first_name/last_name"
                )
            rec = self.data.clients.find_by_name(first, last)
        if rec is None:
            return _failure("No client found")
        return _success(rec)

    async def _client_by_path(self, request: web.Request) -> web.StreamResponse:
        rec = self._client_by_id(request.match_info["client_id"])
        return _failure("No client found") if rec is None else _success(rec)

    def _client_by_id(self, value: str) -> Record | None:
        value = value.strip()
        if not (value.isascii() and value.isdigit()):
            return None
        return self.data.clients.detail(int(value))

    async def _ondemand(self, request: web.Request) -> web.StreamResponse:
        # aiohttp percent-decodes each matched segment on its own, so "a%2Fb" arrives as the identifier "a/b".
        identifier, primary, secondary = request.match_info.values()
        if not identifier.strip():
            return _failure("A custom student identifier is required")
        if not all(s.isascii() and s.isdigit() for s in (primary, secondary)):
            return _failure("Agent ids must be integers (use 0 for none)")
        return _success(ondemand_link(self.data.seed, identifier, int(primary), int(secondary)))

    # -- writes -----------------------------------------------------------------------------------------

    async def _client_update(self, request: web.Request) -> web.StreamResponse:
        body = await _read_body(request)
        if body is None:
            return _failure("The request body must be a JSON object")
        client_id = request.match_info["client_id"]
        if not (client_id.isascii() and client_id.isdigit()) or int(client_id) not in self.data.clients:
            return _failure("No client found")
        if not body:
            return _failure("No data provided")
        if "status" in body and body["status"] not in _CLIENT_STATUS:
            return _failure("Invalid status: use active, inactive or prospect")
        fields = {k: _wire_value(v) for k, v in body.items() if k not in ("id", "password", "password2")}
        self.data.clients.update(int(client_id), fields)
        return _success("The client was updated successfully.")

    def _new_client_problem(self, body: Mapping[str, Any]) -> str | None:
        missing = _missing(body, _CLIENT_REQUIRED)
        if missing:
            return f"Missing required field(s): {', '.join(missing)}"
        if body["status"] not in _CLIENT_STATUS:
            return "Invalid status: use active, inactive or prospect"
        username = str(body.get("username", "") or "")
        if username and self.data.clients.find_by_username(username) is not None:
            return "That username is already taken"
        return None

    async def _client_add(self, request: web.Request) -> web.StreamResponse:
        body = await _read_body(request)
        if body is None:
            return _failure("The request body must be a JSON object")
        problem = self._new_client_problem(body)
        if problem:
            return _failure(problem)
        self.data.clients.add({k: _wire_value(v) for k, v in body.items()})
        return _success("The client was added successfully.")

    async def _clients_import(self, request: web.Request) -> web.StreamResponse:
        body = await _read_body(request)
        if not body or not body.get("data"):
            return _failure("No data provided")
        header, rows = body.get("header"), body["data"]
        if not isinstance(header, list) or not header or not all(isinstance(h, str) for h in header):
            return _failure("No header array found")
        if not isinstance(rows, list):
            return _failure("No data provided")
        if self.trial and len(rows) > 3:
            return _failure(_TRIAL_LIMIT)
        columns = [self._import_column(h) for h in header]
        failed = 0
        for row in rows:
            if not isinstance(row, list) or len(row) != len(header):
                failed += 1
                continue
            fields: dict[str, Any] = {"status": "active"}
            tags: list[str] = []
            for column, cell in zip(columns, row, strict=True):
                value = _wire_value(cell)
                if column is None:
                    if str(value).strip():
                        tags.append(str(value).strip())
                else:
                    fields[column] = value
            if tags:
                fields["tags"] = ",".join(tags)
            if _missing(fields, ("first_name", "last_name")) or fields["status"] not in _CLIENT_STATUS:
                failed += 1
                continue
            self.data.clients.add(fields)
        if failed:
            return _failure(_IMPORT_ERROR)
        return _success("The records were imported successfully.")

    @staticmethod
    def _import_column(name: str) -> str | None:
        """The field a header entry fills: a client field, ``custom_<id>`` for ``<id>_label``, None: a tag."""
        name = name.strip()
        match = re.fullmatch(r"(\d+)_.*", name)
        if match:
            return f"custom_{match.group(1)}"
        if name in CLIENT_SUMMARY_FIELDS or name in _IMPORTABLE:
            return name
        return None

    async def _payment_create(self, request: web.Request) -> web.StreamResponse:
        body = await _read_body(request)
        if body is None:
            return _failure("The request body must be a JSON object")
        missing = _missing(body, ("revenue_amount", "send_email"))
        if missing:
            return _failure(f"Missing required field(s): {', '.join(missing)}")
        amount = str(body["revenue_amount"]).strip()
        if not re.fullmatch(r"\d+(\.\d{1,2})?", amount):
            return _failure("revenue_amount must look like 1052.45 (no separators or symbols)")
        problem = _unmet(PaymentCreate, body)  # client_id, or the new client's fields
        if problem:
            return _failure(problem)
        client_id = str(body.get("client_id", "") or "").strip()
        if client_id:
            if not client_id.isdigit() or int(client_id) not in self.data.clients:
                return _failure("No client found")
        else:
            problem = self._new_client_problem(body)
            if problem:
                return _failure(problem)
            client_fields = {k: _wire_value(v) for k, v in body.items() if k in _IMPORTABLE}
            client_id = str(self.data.clients.add(client_fields))
        self.data.append(
            "payments",
            {
                "client_id": client_id,
                "qb_payment_id": "0",
                "revenue_amount": f"{float(amount):.2f}",
                "revenue_tax": "0.00",
                "revenue_date": "2026-01-01",
                "revenue_credit": "0",
                "revenue_note": str(_wire_value(body.get("revenue_note", ""))),
            },
        )
        return _success("The payment was added successfully.")

    async def _practitioner_create(self, request: web.Request) -> web.StreamResponse:
        body = await _read_body(request)
        if body is None:
            return _failure("The request body must be a JSON object")
        missing = _missing(body, ("first_name", "last_name", "wage_tier", "state", "country", "status"))
        if missing:
            return _failure(f"Missing required field(s): {', '.join(missing)}")
        if body["status"] not in _PRACT_STATUS:
            return _failure("Invalid status: use inactive, active, contactList or doNotHire")
        if str(body["wage_tier"]) not in ("0", "1", "2"):
            return _failure("Invalid wage_tier: use 0, 1 or 2")
        n = len(self.data.tables["practitioners"])
        fields: Record = {"pract_settings_id": str(125 + n), "users_id": str(9000 + n), "avail_id": ""}
        for key in _PRACTITIONER_FIELDS:
            fields[key] = str(_wire_value(body.get(key, "")))
        self.data.append("practitioners", fields)
        return _success("The practitioner was added successfully.")


_IMPORTABLE: Final = frozenset(
    {
        *CLIENT_CONTACT_FIELDS,
        "status",
        "username",
        "start_date",
        "timezone",
        "notes",
        "dob",
        "meeting_url",
    }
)
_PRACTITIONER_FIELDS: Final = CLIENT_CONTACT_FIELDS
