"""Generated models match schema/ and carry the do-not-edit header; the endpoint table is the contract's."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pytest

from aiobizstim._page_limits import MAX_LIMITS
from aiobizstim.models import ENDPOINTS, PaymentCreate, Shape

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "src" / "aiobizstim" / "models" / "_generated"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_codegen_generate", ROOT / "codegen" / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_output_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "codegen" / "generate.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_files_carry_the_header_and_no_unset() -> None:
    header = _generator().HEADER
    files = sorted(GENERATED.glob("*.py"))
    assert len(files) >= 20  # the 18 schema modules with record models, __init__ and endpoints
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.startswith(header + "\n"), path.name
        assert "Do not edit" in text.splitlines()[0]
        assert "UNSET" not in text, path.name


# name: (verb, path, shape, response model, request model, default limit, max limit)
CONTRACT: dict[str, tuple[str, str, str, str | None, str | None, int | None, int | None]] = {
    "clients": ("GET", "/api/clients/{start}/{limit}", "page", "ClientSummary", None, 1000, 1000),
    "client": ("GET", "/api/client", "one", "Client", None, None, None),
    "ondemand": (
        "GET",
        "/ondemand/{custom_student_identifier}/{primary_agent_id}/{secondary_agent_id}",
        "text",
        None,
        None,
        None,
        None,
    ),
    "testimonials": ("GET", "/api/testimonials", "list", "Testimonial", None, None, None),
    "availability": ("GET", "/api/availability/{avail_id}", "one", "Availability", None, None, None),
    "services": ("GET", "/api/services/{start}/{limit}", "page", "Service", None, 20, 100),
    "service": ("GET", "/api/service/{service_id}", "one", "Service", None, None, None),
    "discounts": ("GET", "/api/discounts/{start}/{limit}", "page", "Discount", None, 20, 100),
    "discount": ("GET", "/api/discount/{discount_id}", "one", "Discount", None, None, None),
    "sessions": ("GET", "/api/sessions/{start}/{limit}", "page", "Session", None, 100, 1000),
    "payments": ("GET", "/api/payments/{start}/{limit}", "page", "Payment", None, 20, 100),
    "payment": ("GET", "/api/payment/{payment_id}", "one", "Payment", None, None, None),
    "practitioners": ("GET", "/api/practitioners/{start}/{limit}", "page", "Practitioner", None, 20, 100),
    "locations": ("GET", "/api/locations/{start}/{limit}", "page", "Location", None, 20, 100),
    "location": ("GET", "/api/location/{location_id}", "one", "Location", None, None, None),
    "staffs": ("GET", "/api/staffs/{start}/{limit}", "page", "Staff", None, 20, 100),
    "meetourstaff": ("GET", "/api/meetourstaff/{start}/{limit}", "page", "StaffProfile", None, 20, 100),
    "client.update": ("PUT", "/api/client/{client_id}", "text", None, "ClientUpdate", None, None),
    "client.add": ("PUT", "/api/client", "text", None, "ClientCreate", None, None),
    "clients.import": ("POST", "/api/clients", "text", None, "ClientImport", None, None),
    "payment.create": ("POST", "/api/payment", "text", None, "PaymentCreate", None, None),
    "payment.add": ("PUT", "/api/payment", "text", None, "PaymentCreate", None, None),
    "practitioner.create": ("POST", "/api/practitioner", "text", None, "PractitionerCreate", None, None),
}


def test_endpoint_table_is_the_contract() -> None:
    actual = {
        name: (
            ep.verb,
            ep.path,
            ep.shape.value,
            ep.response_model.__name__ if ep.response_model else None,
            ep.request_model.__name__ if ep.request_model else None,
            ep.default_limit,
            ep.max_limit,
        )
        for name, ep in ENDPOINTS.items()
    }
    assert actual == CONTRACT
    assert ENDPOINTS["client"].lookup == ("id", "email", "username", "first_name", "last_name")
    assert all(ep.paginated == (ep.shape is Shape.PAGE) for ep in ENDPOINTS.values())
    assert all(ep.description for ep in ENDPOINTS.values())


def test_the_page_limits_module_agrees_with_the_endpoint_table() -> None:
    assert {name: ep.max_limit for name, ep in ENDPOINTS.items() if ep.paginated} == MAX_LIMITS
    text = (ROOT / "src" / "aiobizstim" / "_page_limits.py").read_text(encoding="utf-8")
    assert text.startswith(_generator().HEADER + "\n")


def _schema_properties() -> list[tuple[str, str, dict[str, Any], bool]]:
    """``(file, "Title.property", spec, required)`` of every property, those of ``allOf`` parts included."""
    found = []
    for path in sorted((ROOT / "schema").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for top in [doc, *doc.get("$defs", {}).values()]:
            for obj in [top, *top.get("allOf", [])]:
                required = set(obj.get("required", []))
                assert required <= set(obj.get("properties", {})), f"{path.name}: {required}"
                for prop, spec in obj.get("properties", {}).items():
                    found.append((path.name, f"{top.get('title')}.{prop}", spec, prop in required))
    return found


def test_every_schema_property_is_nullable_or_required() -> None:
    """Absent wire fields decode to None: every property is nullable, or required and then not nullable."""
    loose = [
        f"{file}: {where}"
        for file, where, spec, required in _schema_properties()
        if bool(spec.get("nullable")) == required
    ]
    assert loose == []


# The documented ids and required write fields (docs/reference: every record table with an id; the
# "required" column of ADD CLIENT, ADD PAYMENT, ADD PRACTITIONER and ADD CLIENTS).
REQUIRED = {
    "Availability": ("id",),
    "Client": ("id",),
    "ClientSummary": ("id",),
    "Discount": ("id",),
    "Location": ("id",),
    "Payment": ("id",),
    "Practitioner": ("id",),
    "Service": ("id",),
    "Session": ("id",),
    "Staff": ("id",),
    "Testimonial": ("id",),
    "StaffProfile": (),  # no field of MEET OUR STAFF is documented: even its id is assumed
    "ClientCreate": ("first_name", "last_name", "status", "state", "country"),
    "PaymentCreate": ("revenue_amount", "send_email"),  # client_id only when no new-client fields are given
    "PractitionerCreate": ("first_name", "last_name", "wage_tier", "state", "country", "status"),
    "ClientImport": ("header", "data"),
    "ClientUpdate": (),  # a partial update
}


def test_required_fields_are_the_documented_ones() -> None:
    models = {m for ep in ENDPOINTS.values() for m in (ep.response_model, ep.request_model) if m is not None}
    actual = {m.__name__: tuple(f.name for f in msgspec.structs.fields(m) if f.required) for m in models}
    assert {name: set(fields) for name, fields in actual.items()} == {
        name: set(fields) for name, fields in REQUIRED.items()
    }


def test_alias_must_name_a_sibling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen = _generator()
    bad = {"title": "X", "type": "object", "properties": {"a": {"x-bizstim-alias-of": "missing"}}}
    (tmp_path / "x.json").write_text(json.dumps(bad), encoding="utf-8")
    monkeypatch.setattr(gen, "SCHEMA_DIR", tmp_path)
    with pytest.raises(gen.SchemaError, match="must name a plain sibling"):
        gen._aliases()


def test_snake_case_of_alias_names() -> None:
    snake = _generator()._snake
    assert [snake(n) for n in ("use_records", "minTime", "hide costs", "satAvailf")] == [
        "use_records",
        "min_time",
        "hide_costs",
        "sat_availf",
    ]


def _model_with(any_of: Any, **extra: Any) -> dict[str, Any]:
    body = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    return {"$defs": {"M": {"title": "M", "anyOf": any_of, "allOf": [body], **extra}}}


def test_a_required_fields_any_of_becomes_a_class_attribute_not_a_union() -> None:
    gen = _generator()
    doc = _model_with([{"required": ["a"]}, {"required": ["a", "b"], "description": "to do more"}])
    assert gen._take_rules(doc, "m.json") == {
        "M": [{"required": ["a"]}, {"required": ["a", "b"], "description": "to do more"}]
    }
    assert "anyOf" not in doc["$defs"]["M"]  # datamodel-code-generator never sees it
    other = _model_with([{"type": "object"}, {"type": "null"}])  # not a rule: left to datamodel-codegen
    assert gen._take_rules(other, "m.json") == {}
    assert "anyOf" in other["$defs"]["M"]


def test_the_payment_schema_rule_reaches_the_model() -> None:
    schema = json.loads((ROOT / "schema" / "payment_create.json").read_text(encoding="utf-8"))
    any_of = schema["$defs"]["PaymentCreate"]["anyOf"]
    assert PaymentCreate.__required_any_of__ == any_of  # the wire names are the attribute names here
    source = (GENERATED / "payment_create.py").read_text(encoding="utf-8")
    assert source.count("class ") == 1  # no union of PaymentCreate1, PaymentCreate2, ...


def test_a_rule_may_name_the_properties_an_all_of_ref_brings() -> None:
    gen = _generator()
    rule = [{"required": ["a"]}, {"required": ["c", "mAvailf"]}]
    doc = _model_with(rule)
    doc["$defs"]["M"]["allOf"] += [{"$ref": "#/$defs/Base"}, {"$ref": "common.json#/$defs/WeeklyHours"}]
    doc["$defs"]["Base"] = {"type": "object", "properties": {"c": {"type": "string"}}}
    assert gen._take_rules(doc, "m.json") == {"M": [{"required": ["a"]}, {"required": ["c", "m_availf"]}]}


@pytest.mark.parametrize(
    ("refs", "message"),
    [
        (["nowhere.json#/$defs/Base"], "$ref 'nowhere.json#/$defs/Base' names no schema file in schema/"),
        (["../pyproject.json#/x"], "names no schema file in schema/"),
        (["#/$defs/Missing"], "$ref '#/$defs/Missing' points at no object schema"),
        (["#/$defs/Loop"], "allOf $refs go round in a circle (#/$defs/Loop -> #/$defs/Loop)"),
    ],
)
def test_an_all_of_ref_that_leads_nowhere_is_a_schema_error(refs: list[str], message: str) -> None:
    gen = _generator()
    doc = _model_with([{"required": ["a"]}, {"required": ["b"]}])
    doc["$defs"]["M"]["allOf"] += [{"$ref": ref} for ref in refs]
    doc["$defs"]["Loop"] = {"type": "object", "allOf": [{"$ref": "#/$defs/Loop"}]}
    with pytest.raises(gen.SchemaError, match=r"^m.json: \$defs.M.anyOf: .*" + re.escape(message)):
        gen._take_rules(doc, "m.json")


@pytest.mark.parametrize(
    ("any_of", "extra", "message"),
    [
        ([{"required": ["a"]}, {"required": ["b"], "minProperties": 1}], {}, "each member must be"),
        ([{"required": ["a"]}], {}, "a single member is a plain 'required'"),
        ([{"required": ["a"]}, {"required": []}], {}, r"\[1\].required must be a non-empty list"),
        ([{"required": ["a"]}, {"required": ["b", "b"]}], {}, r"\[1\].required names a property twice"),
        ([{"required": ["a"]}, {"required": ["zzz"]}], {}, r"\[1\]: 'zzz' is not a plain property of M"),
        ([{"required": ["a"]}, {"required": ["b"], "description": 3}], {}, "description must be a string"),
        ([{"required": ["a"]}, {"required": ["b"]}], {"title": None}, "needs a title"),
    ],
)
def test_a_malformed_required_fields_any_of_is_a_schema_error(
    any_of: list[dict[str, Any]], extra: dict[str, Any], message: str
) -> None:
    gen = _generator()
    with pytest.raises(gen.SchemaError, match=r"^m.json: \$defs.M.anyOf.*" + message):
        gen._take_rules(_model_with(any_of, **extra), "m.json")
