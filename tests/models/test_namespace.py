"""Everything aiobizstim.models exports is shown under aiobizstim.models, and still decodes, pickles and
introspects: reprs, __module__, type hints, field kinds."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import typing
from decimal import Decimal

import msgspec
import pytest

import aiobizstim
from aiobizstim import models
from aiobizstim._envelope import decode_page
from aiobizstim.models import (
    ENDPOINTS,
    Client,
    ClientStatus,
    ClientSummary,
    ClockTime,
    Discount,
    DiscountKind,
    Endpoint,
    Shape,
    WeeklyHours,
    WireModel,
)
from aiobizstim.models._kinds import Kind, field_kinds
from tests.models._support import golden_bytes

PUBLIC = [getattr(models, name) for name in models.__all__ if callable(getattr(models, name))]


def test_the_public_names_are_the_records_enums_value_types_and_helpers() -> None:
    classes = {obj.__name__ for obj in PUBLIC if isinstance(obj, type)}
    assert {"ClientSummary", "Client", "Discount", "Testimonial", "ClientCreate", "PaymentCreate"} <= classes
    assert {"ClientStatus", "DiscountKind", "RecordStatus", "PractitionerStatus", "WageTier"} <= classes
    assert {"ClockTime", "WeeklyHours", "WireModel", "Endpoint", "Shape"} <= classes
    assert {"to_wire", "to_builtins", "ENDPOINTS"} <= set(models.__all__)
    # no stray public name (pytest's assertion rewriting adds "@py_builtins", not an identifier)
    stray = [n for n in dir(models) if n.isidentifier() and not n.startswith("_") and n not in models.__all__]
    assert stray == []
    # every model an endpoint speaks is exported
    spoken = {m for ep in ENDPOINTS.values() for m in (ep.response_model, ep.request_model) if m is not None}
    assert spoken <= set(PUBLIC)


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda obj: obj.__name__)
def test_shown_under_aiobizstim_models(obj: typing.Any) -> None:
    assert obj.__module__ == "aiobizstim.models"
    assert getattr(models, obj.__qualname__) is obj
    if isinstance(obj, type):
        assert repr(obj) in (f"<class 'aiobizstim.models.{obj.__name__}'>", f"<enum '{obj.__name__}'>")
        typing.get_type_hints(obj, include_extras=True)  # every annotation still resolves


def test_reprs_and_type_hints_name_the_public_module() -> None:
    record = decode_page(golden_bytes("clients"), ClientSummary).items[0]
    assert repr(type(record)) == "<class 'aiobizstim.models.ClientSummary'>"
    assert ClientSummary.__module__ == "aiobizstim.models"
    hints = typing.get_type_hints(Discount)
    assert hints["fixed"] == DiscountKind | None
    assert "aiobizstim.models.DiscountKind" in repr(hints["fixed"])
    assert "_generated" not in repr(typing.get_type_hints(Client, include_extras=True))
    assert typing.get_type_hints(Endpoint)["shape"] is Shape
    assert "__wire_aliases__" in typing.get_type_hints(WireModel)
    assert aiobizstim.to_wire.__module__ == "aiobizstim.models"


def test_field_kinds_still_read_the_annotations() -> None:
    kinds = {spec.attr: spec.kind for spec in field_kinds(Client)}
    assert (kinds["id"], kinds["dob"], kinds["email"], kinds["min_time"]) == (
        Kind.INT,
        Kind.DATE,
        Kind.LIST,
        Kind.CLOCK,
    )
    assert (kinds["status"], kinds["latitude"]) == (Kind.ENUM, Kind.MONEY)
    assert {spec.attr: spec.kind for spec in field_kinds(Discount)}["services"] is Kind.INT_LIST
    assert next(s for s in field_kinds(WeeklyHours) if s.attr == "m_availf").kind is Kind.CLOCK


def test_records_and_values_pickle_and_copy() -> None:
    client = Client(
        id=21,
        dob=dt.date(2000, 1, 2),
        status=ClientStatus.ACTIVE,
        email=["a@x"],
        max_time=ClockTime.parse("24:00"),
        latitude=Decimal("43.651070"),
    )
    discount = Discount(id=3, fixed=DiscountKind.FIXED_AMOUNT, services=[4, 5])
    for value in (
        client,
        discount,
        DiscountKind.FIXED_AMOUNT,
        ClockTime(9, 30),
        Shape.PAGE,
        ENDPOINTS["client"],
    ):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.deepcopy(value) == value
    assert b"aiobizstim.models" in pickle.dumps(discount)
    assert b"_generated" not in pickle.dumps(discount)


def test_msgspec_still_decodes_encodes_and_describes_them() -> None:
    discount = msgspec.json.decode(b'{"id":"3","fixed":"1","services":"4,5"}', type=Discount, strict=False)
    assert discount == Discount(id=3, fixed=DiscountKind.FIXED_AMOUNT, services=[4, 5])
    assert msgspec.json.decode(msgspec.json.encode(discount), type=Discount, strict=False) == discount
    assert set(msgspec.json.schema(Discount)["$defs"]) == {"Discount", "DiscountKind", "DiscountType"}
