"""Every documented wire quirk decodes into what a Python user expects (through the generated models)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from aiobizstim._envelope import decode_one, decode_page
from aiobizstim.errors import DecodeError
from aiobizstim.models import (
    Availability,
    CalendarView,
    Client,
    ClientStatus,
    ClientSummary,
    ClockTime,
    Discount,
    DiscountKind,
    DiscountType,
    Location,
    Payment,
    PaymentCreate,
    Practitioner,
    PractitionerCreate,
    PractitionerStatus,
    RecordStatus,
    RevenueCredit,
    Service,
    ServiceType,
    Session,
    StartInterval,
    WageTier,
)
from aiobizstim.models._kinds import field_kinds
from tests.models._support import one, page, required_wire


def dec(model: type[msgspec.Struct], record: dict[str, Any]) -> Any:
    """Decode ``record`` (plus the model's required fields it leaves out) as a single-record response and as
    the only record of a page; both must agree."""
    record = {**required_wire(model), **record}
    single = decode_one(one(record), model)
    listed = decode_page(page(record), model)
    assert listed.items == [single]
    return single


# --- numbers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "value"),
    [
        ("21", 21),
        (21, 21),
        (" 21 ", 21),
        ("", None),
        (None, None),
        ("0021", 21),  # a MySQL ZEROFILL column: it failed the page (a review)
        ("+21", 21),
        (" 021 ", 21),
    ],
)
def test_numeric_string_to_int(wire: Any, value: int | None) -> None:
    assert dec(ClientSummary, {"users_id": wire}).users_id == value
    if value is not None:
        assert dec(ClientSummary, {"id": wire}).id == value


@pytest.mark.parametrize("wire", ["0x15", "21.5", "٢١", "2 1"])
def test_text_that_is_no_integer_is_a_decode_error(wire: str) -> None:
    with pytest.raises(DecodeError, match="users_id"):
        decode_one(one({**required_wire(ClientSummary), "users_id": wire}), ClientSummary)


@pytest.mark.parametrize("record", [{}, {"id": ""}, {"id": None}, {"id": " "}])
def test_a_record_without_its_id_is_a_decode_error(record: dict[str, Any]) -> None:
    with pytest.raises(DecodeError) as info:
        decode_one(one(record), ClientSummary)
    assert info.value.path == "$.response.id"


def test_int_field_is_int_not_str() -> None:
    c = dec(ClientSummary, {"id": "21", "users_id": "0"})
    assert type(c.id) is int
    assert c.users_id == 0


@pytest.mark.parametrize(
    ("model", "field", "wire"),
    [
        (Discount, "amount", "amount"),
        (Service, "service_cost", "service_cost"),
        (Service, "service_default_wage", "service_default_wage"),
        (Payment, "revenue_amount", "revenue_amount"),
        (Payment, "revenue_tax", "revenue_tax"),
        (PractitionerCreate, "add_value", "add_value"),
        (PaymentCreate, "revenue_amount", "revenue_amount"),
    ],
)
def test_money_fields_are_decimal(model: type[msgspec.Struct], field: str, wire: str) -> None:
    assert getattr(dec(model, {wire: "1052.45"}), field) == Decimal("1052.45")
    assert type(getattr(dec(model, {wire: "10.00"}), field)) is Decimal
    assert str(getattr(dec(model, {wire: "10.00"}), field)) == "10.00"  # scale kept
    assert getattr(dec(model, {wire: 16.87}), field) == Decimal("16.87")  # a JSON number, no float error
    if wire in required_wire(model):  # a required amount cannot be left blank
        with pytest.raises(DecodeError):
            dec(model, {wire: ""})
    else:
        assert getattr(dec(model, {wire: ""}), field) is None


def test_money_keeps_precision_beyond_float() -> None:
    assert dec(Discount, {"amount": "12345678901234567.89"}).amount == Decimal("12345678901234567.89")


# --- flags ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "value"), [("0", False), ("1", True), (0, False), (1, True), (True, True), ("", None)]
)
def test_flags_to_bool(wire: Any, value: bool | None) -> None:
    d = dec(Discount, {"secret": wire})
    assert d.secret is value


def test_flag_out_of_range_is_a_decode_error() -> None:
    with pytest.raises(DecodeError) as info:
        decode_one(one({"id": "1", "secret": "2"}), Discount)
    assert info.value.path == "$.response.secret"


# --- code sets -> enums -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "wire", "raw", "member"),
    [
        (Client, "status", "active", ClientStatus.ACTIVE),
        (Client, "status", "inactive", ClientStatus.INACTIVE),
        (Client, "status", "prospect", ClientStatus.PROSPECT),
        (PractitionerCreate, "status", "contactList", PractitionerStatus.CONTACT_LIST),
        (PractitionerCreate, "status", "doNotHire", PractitionerStatus.DO_NOT_HIRE),
        (PractitionerCreate, "wage_tier", "2", WageTier.SALARY_ANNUAL),
        (Client, "calendar", "1", CalendarView.MONTH),
        (Client, "calendar", "3", CalendarView.DAY),
        (Service, "service_type", "1", ServiceType.FIXED),
        (Service, "service_status", "0", RecordStatus.INACTIVE),
        (Location, "location_status", "2", RecordStatus.DELETED),
        (Payment, "revenue_credit", "3", RevenueCredit.PACKAGE),
        (Discount, "fixed", "1", DiscountKind.FIXED_AMOUNT),
        (Discount, "type", "0", DiscountType.SUBTRACT_FROM_COST),
        (Service, "start_interval", "2", StartInterval.HALF_PAST),
        (Service, "start_interval", 0, StartInterval.NONE),
    ],
)
def test_code_sets_to_enums(model: type[msgspec.Struct], wire: str, raw: Any, member: enum.Enum) -> None:
    spec = next(s for s in field_kinds(model) if s.wire == wire)
    assert getattr(dec(model, {wire: raw}), spec.attr) is member


def test_enum_member_names_are_upper_case() -> None:
    for cls in (ClientStatus, PractitionerStatus, CalendarView, ServiceType, RecordStatus, RevenueCredit):
        assert all(name.isupper() for name in cls.__members__)


@pytest.mark.parametrize(
    ("model", "record"), [(Client, {"status": "deleted"}), (Service, {"service_type": "7"})]
)
def test_unknown_code_is_a_decode_error(model: type[msgspec.Struct], record: dict[str, Any]) -> None:
    with pytest.raises(DecodeError):
        decode_one(one({"id": "1", **record}), model)


def test_empty_code_is_none() -> None:
    assert dec(Client, {"status": "", "calendar": ""}) == Client(id=1)


# --- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "value"),
    [
        ("2021-12-25", dt.date(2021, 12, 25)),
        ("0000-00-00", None),
        ("0000-00-00 00:00:00", None),
        ("", None),
        (None, None),
    ],
)
def test_lenient_dates(wire: Any, value: dt.date | None) -> None:
    assert dec(Discount, {"expires": wire}).expires == value


@pytest.mark.parametrize("wire", ["2021-13-01", "25/12/2021", "2021-12-25T10:00:00", 20211225])
def test_bad_date_is_a_decode_error(wire: Any) -> None:
    with pytest.raises(DecodeError) as info:
        decode_one(one({"id": "1", "expires": wire}), Discount)
    assert info.value.path == "$.response.expires"


def test_every_date_field_of_client_is_a_date() -> None:
    c = dec(
        Client,
        {
            "dob": "1990-01-02",
            "inactive_date": "0000-00-00",
            "inactive_set_date": "",
            "start_date": "2020-04-21",
        },
    )
    assert (c.dob, c.inactive_date, c.inactive_set_date, c.start_date) == (
        dt.date(1990, 1, 2),
        None,
        None,
        dt.date(2020, 4, 21),
    )


# --- clock times ------------------------------------------------------------------------------------------


def test_clock_times_hold_24_00() -> None:
    a = dec(Availability, {"mAvailf": "00:00", "mAvailt": "24:00", "tAvailf": "", "tAvailt": None})
    assert a.m_availf == ClockTime(0)
    assert a.m_availt == ClockTime(24)
    assert a.m_availt is not None
    assert a.m_availt.is_end_of_day
    assert a.m_availt.total_seconds == 86400
    assert str(a.m_availt) == "24:00"
    assert a.t_availf is None
    assert a.t_availt is None
    c = dec(Client, {"maxTime": "24:00:00", "slotDuration": "00:15:00"})
    assert str(c.max_time) == "24:00:00"
    assert c.slot_duration == ClockTime(0, 15)


def test_a_clock_times_repr_gives_it_back_and_text_is_refused_by_the_constructor() -> None:
    """Its repr read ClockTime('24:00'), a call that failed deep in a comparison of int and str."""
    for text in ("24:00", "08:30:00", "00:15"):
        clock = ClockTime.parse(text)
        again = eval(repr(clock), {"ClockTime": ClockTime})
        assert (again, str(again)) == (clock, text)
    with pytest.raises(TypeError, match=r"^ClockTime hour must be an int, got str '24:00' \(ClockTime.parse"):
        ClockTime("24:00")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"minute must be an int, got float 1\.5"):
        ClockTime(8, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="second must be an int, got bool True"):
        ClockTime(8, 0, True)

    class Index:  # an integer of another library (numpy.int64)
        def __index__(self) -> int:
            return 30

    assert ClockTime(8, Index()) == ClockTime(8, 30)  # type: ignore[arg-type]


@pytest.mark.parametrize("wire", ["25:00", "24:01", "12:3", "noon", "12:30:61"])
def test_bad_clock_time_is_a_decode_error(wire: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_one(one({"id": "1", "wAvailt": wire}), Availability)
    assert info.value.path == "$.response.wAvailt"


def test_every_availability_field_is_a_clock() -> None:
    names = [p + s for p in ("m", "t", "w", "r", "f", "sat", "sun") for s in ("Availf", "Availt")]
    a = dec(Availability, dict.fromkeys(names, "21:31"))
    assert [getattr(a, spec.attr) for spec in field_kinds(Availability) if spec.wire in names] == [
        ClockTime(21, 31)
    ] * 14


# --- comma lists ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "value"),
    [
        ("a@x.com,b@x.com", ["a@x.com", "b@x.com"]),
        ("susan@mail.com, joe@mail.com", ["susan@mail.com", "joe@mail.com"]),
        (" a@x.com ,, ,b@x.com, ", ["a@x.com", "b@x.com"]),
        ("a@x.com,\tb@x.com\n", ["a@x.com", "b@x.com"]),
        ("only@x.com", ["only@x.com"]),
        ("", []),
        (",", []),
        (["a@x.com", " b@x.com", ""], ["a@x.com", "b@x.com"]),
        (None, None),
    ],
)
def test_comma_lists(wire: Any, value: list[str] | None) -> None:
    assert dec(ClientSummary, {"email": wire}).email == value


def test_comma_list_fields_of_every_model() -> None:
    assert dec(ClientSummary, {"text_phone": "19054546464, 19055551111"}).text_phone == [
        "19054546464",
        "19055551111",
    ]
    p = dec(Practitioner, {"avail_id": "123,546,971", "email": "a@x, b@x", "text_phone": "1,2"})
    assert (p.avail_id, p.email, p.text_phone) == ([123, 546, 971], ["a@x", "b@x"], ["1", "2"])
    assert dec(Discount, {"services": "66,67,36"}).services == [66, 67, 36]
    s = dec(Session, {"cancel_clients": "76|2328|479889, 49|2329|479895"})
    assert s.cancel_clients == ["76|2328|479889", "49|2329|479895"]


def test_comma_list_from_a_json_number() -> None:
    assert dec(ClientSummary, {"text_phone": 19054546464}).text_phone == ["19054546464"]
    assert dec(Practitioner, {"avail_id": 282}).avail_id == [282]


@pytest.mark.parametrize(
    ("wire", "value"),
    [
        ("66,67,36", [66, 67, 36]),
        (" 66 , 67,, 36, ", [66, 67, 36]),
        ("66", [66]),
        (66, [66]),  # one id as a JSON number
        ("", []),  # the documented "none"
        (",", []),
        ([66, "67", " 68 ", ""], [66, 67, 68]),
        ([], []),
        (None, None),
    ],
)
def test_id_lists_are_lists_of_int(wire: Any, value: list[int] | None) -> None:
    assert dec(Discount, {"services": wire}).services == value
    assert dec(Practitioner, {"avail_id": wire}).avail_id == value


@pytest.mark.parametrize("wire", ["66,x", "66;67", "1.5", [66, "a"], ["66", None], "9,,①"])
def test_an_id_list_with_a_non_integer_is_a_decode_error(wire: Any) -> None:
    with pytest.raises(DecodeError) as info:
        decode_one(one({"id": "1", "services": wire}), Discount)
    assert info.value.path.startswith("$.response.services")
    with pytest.raises(DecodeError) as info:
        decode_page(page({"id": "1"}, {"id": "2", "avail_id": wire}), Practitioner)
    assert info.value.path.startswith("$.response[1].avail_id")


@pytest.mark.parametrize(
    ("wire", "value"),
    [
        ("43.651070", Decimal("43.651070")),
        ("-79.347015", Decimal("-79.347015")),
        (" 43.6 ", Decimal("43.6")),
        (43.651070, Decimal("43.65107")),  # a JSON number: its digits, never a float's error
        ("", None),
        (None, None),
    ],
)
def test_coordinates_are_exact_decimals(wire: Any, value: Decimal | None) -> None:
    c = dec(Client, {"latitude": wire, "longitude": wire})
    assert (c.latitude, c.longitude) == (value, value)
    if value is not None:
        assert type(c.latitude) is Decimal
        assert str(c.latitude) == str(value)  # trailing zeros kept


def test_a_coordinate_that_is_no_number_is_a_decode_error() -> None:
    with pytest.raises(DecodeError) as info:
        decode_one(one({"id": "1", "latitude": "43.6N"}), Client)
    assert info.value.path == "$.response.latitude"


@pytest.mark.parametrize(
    ("wire", "value"), [("", []), ([], []), (["81", "82"], ["81", "82"]), ([81, 82], ["81", "82"])]
)
def test_practs_array_or_empty_string(wire: Any, value: list[str]) -> None:
    assert dec(Location, {"practs": wire}).practs == value


# --- strings, unknown and absent fields -------------------------------------------------------------------


def test_json_number_where_a_string_is_documented() -> None:
    c = dec(ClientSummary, {"zipcode": 90210, "address2": 101, "p_phone": 9054546464})
    assert (c.zipcode, c.address2, c.p_phone) == ("90210", "101", "9054546464")


def test_unknown_fields_are_ignored_and_absent_fields_are_none() -> None:
    c = dec(ClientSummary, {"id": "21", "brand_new_field": {"x": [1, 2]}, "other": "y"})
    assert c == ClientSummary(id=21)
    assert all(getattr(c, spec.attr) is None for spec in field_kinds(ClientSummary) if spec.attr != "id")


def test_envelope_extra_keys_are_ignored() -> None:
    body = msgspec.json.encode(
        {"status": "success", "total": "1", "timezone": "America/Toronto", "response": [{"id": "1"}]}
    )
    decoded = decode_page(body, Session)
    assert decoded.total == 1
    assert decoded.items == [Session(id=1)]


# --- names that are not identifiers, drift ----------------------------------------------------------------


def test_non_identifier_wire_names_map_to_snake_case() -> None:
    c = dec(Client, {"hide costs": "1", "minTime": "08:00:00", "sessionLimit": "10"})
    assert c.hide_costs is True
    assert c.min_time == ClockTime(8)
    assert c.session_limit == 10
    wire_of = {spec.attr: spec.wire for spec in field_kinds(Client)}
    assert wire_of["hide_costs"] == "hide costs"
    assert (wire_of["min_time"], wire_of["max_time"], wire_of["slot_duration"]) == (
        "minTime",
        "maxTime",
        "slotDuration",
    )
    assert wire_of["session_limit"] == "sessionLimit"
    wire_of_av = {spec.attr: spec.wire for spec in field_kinds(Availability)}
    assert (wire_of_av["sat_availf"], wire_of_av["r_availt"]) == ("satAvailf", "rAvailt")


@pytest.mark.parametrize(
    ("record", "value"),
    [
        ({"user_records": "1"}, True),
        ({"use_records": "1"}, True),
        ({"use_records": "0"}, False),
        ({"user_records": "0", "use_records": "1"}, False),  # both sent: the public spelling wins
        ({"use_records": ""}, None),
        ({}, None),
    ],
)
def test_use_records_and_user_records_land_on_one_attribute(
    record: dict[str, Any], value: bool | None
) -> None:
    c = dec(Client, record)
    assert c.user_records is value
    assert c._use_records is None  # the alias field is always folded away
    assert c == Client(id=1, user_records=value)


def test_alias_table() -> None:
    assert Client.__wire_aliases__ == {"_use_records": "user_records"}
    assert Session.__wire_aliases__ == {"_pract_id": "pract_d"}
    assert ClientSummary.__wire_aliases__ == {}
    assert dec(Session, {"pract_id": "81"}) == Session(id=1, pract_d=81)


def test_constructed_in_python_with_public_types() -> None:
    c = Client(
        id=1, dob=dt.date(2000, 1, 1), email=["a@x"], min_time=ClockTime(8), status=ClientStatus.ACTIVE
    )
    assert (c.dob, c.email, c.min_time) == (dt.date(2000, 1, 1), ["a@x"], ClockTime(8))


def test_clock_time_built_in_python_encodes_as_hh_mm_unless_seconds_are_given() -> None:
    assert str(ClockTime(9, 30)) == "09:30"
    assert str(ClockTime(9, 30, 15)) == "09:30:15"
    assert str(ClockTime(8, 0, seconds_written=True)) == "08:00:00"
    assert str(ClockTime.parse("08:00:00")) == "08:00:00"
    assert ClockTime(9, 30) == ClockTime.parse("09:30:00")
