"""Each documented method's example (made valid JSON, tests/models/golden/) decodes to the expected values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aiobizstim._envelope import decode_list, decode_one, decode_page, decode_text
from aiobizstim.errors import APIResponseError
from aiobizstim.models import (
    ENDPOINTS,
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
    Practitioner,
    RecordStatus,
    RevenueCredit,
    Service,
    ServiceType,
    Session,
    Shape,
    Staff,
    StaffProfile,
    StartInterval,
    Testimonial,
)
from tests.models._support import GOLDEN, golden_bytes

READ_ENDPOINTS = sorted(name for name, ep in ENDPOINTS.items() if ep.verb == "GET")


def test_every_read_method_has_a_golden_payload() -> None:
    assert len(READ_ENDPOINTS) == 17
    missing = [name for name in READ_ENDPOINTS if not (GOLDEN / f"{name}.json").exists()]
    assert missing == []


@pytest.mark.parametrize("name", READ_ENDPOINTS)
def test_golden_payload_decodes_through_its_endpoint_shape(name: str) -> None:
    ep = ENDPOINTS[name]
    body = golden_bytes(name)
    if ep.shape is Shape.TEXT:
        assert decode_text(body).startswith("http")
        return
    assert ep.response_model is not None
    if ep.shape is Shape.PAGE:
        decoded = decode_page(body, ep.response_model)
        assert decoded.total is not None
        assert decoded.total >= len(decoded.items) >= 1
        assert decoded.skipped == []
        records = decoded.items
    elif ep.shape is Shape.LIST:
        records = decode_list(body, ep.response_model)
    else:
        records = [decode_one(body, ep.response_model)]
    assert all(type(r) is ep.response_model for r in records)


def test_clients() -> None:
    decoded = decode_page(golden_bytes("clients"), ClientSummary)
    assert decoded.total == 54
    assert decoded.items == [
        ClientSummary(
            id=21,
            users_id=654,
            client_settings_id=42,
            avail_id=503,
            first_name="Joe",
            last_name="Smith",
            address1="6545 New Street East",
            address2="101",
            city="Milton",
            state="Ontario",
            zipcode="L7D 5S2",
            country="Canada",
            p_phone="(905) 454-6464",
            s_phone="(416) 567-1144",
            text_phone=["19054546464"],
            email=["email1@mail.com", "email2@mail.com", "email3@mail.com"],
        )
    ]


def test_client() -> None:
    c = decode_one(golden_bytes("client"), Client)
    assert (c.id, c.users_id, c.client_settings_id, c.avail_id, c.funnel_id) == (21, 654, 42, 503, 125)
    assert c.text_phone == ["19054546464"]
    assert c.status is ClientStatus.ACTIVE
    assert c.inactive_date == dt.date(2022, 4, 21)
    assert c.start_date == dt.date(2020, 4, 21)
    assert c.calendar_color == "#8874bc"
    assert (c.send_welcome_message, c.send_lesson_reminders, c.add_session) == (False, True, False)
    assert (c.see_practs_information, c.text_reminders, c.user_records) == (True, True, False)
    assert c.username == "cowboybeebop"
    assert c.email == ["susan@mail.com", "joe@mail.com"]
    assert c.calendar is CalendarView.MONTH
    assert c.min_time == ClockTime(11, 30)
    assert str(c.min_time) == "11:30:00"
    assert c.max_time == ClockTime(22)
    assert c.slot_duration == ClockTime(0, 15)
    assert (c.session_limit, c.cal_length) == (10, 1200)
    # fields the documented example leaves out
    assert [c.qb_customer_id, c.latitude, c.dob, c.timezone, c.hide_costs, c.dark] == [None] * 6


def test_ondemand() -> None:
    link = decode_text(golden_bytes("ondemand"))
    assert link.startswith("http://www.bizstim.com/ondemand/company/2cc7")
    assert " " not in link


def test_testimonials() -> None:
    items = decode_list(golden_bytes("testimonials"), Testimonial)
    assert [(t.id, t.first_name, t.last_name) for t in items] == [(54, "Joe", "Smith"), (72, "Beth", "Adder")]
    assert all(t.testimonial is not None and t.testimonial.startswith("<p>") for t in items)


def test_availability() -> None:
    a = decode_one(golden_bytes("availability"), Availability)
    assert (a.id, a.label, a.start, a.end) == (504, "Default", dt.date(2019, 9, 3), dt.date(2020, 6, 28))
    assert (a.m_availf, a.m_availt) == (ClockTime(12, 30), ClockTime(17, 30))
    assert a.r_availt == ClockTime(21, 31)
    assert (a.sat_availf, a.sat_availt, a.sun_availt) == (
        ClockTime(12, 30),
        ClockTime(19, 31),
        ClockTime(16, 31),
    )
    assert str(a.sun_availt) == "16:31"


@pytest.mark.parametrize("name", ["services", "service"])
def test_services_and_service(name: str) -> None:
    body = golden_bytes(name)
    s = decode_page(body, Service).items[0] if name == "services" else decode_one(body, Service)
    assert s == Service(
        id=19,
        group_id=12,
        group_num=20,
        service_description="Calculus Preparation",
        service_cost=Decimal("42.50"),
        service_default_wage=Decimal("30.00"),
        service_taxable=True,
        service_type=ServiceType.HOURLY,
        service_status=RecordStatus.ACTIVE,
        online_booking=True,
        min_duration=60,
        max_duration=60,
        start_interval=StartInterval.TOP_OF_HOUR,
        name="Gold Tutoring Plan (20 hours)",
    )
    assert isinstance(s.service_cost, Decimal)


def test_discounts() -> None:
    decoded = decode_page(golden_bytes("discounts"), Discount)
    assert decoded.total == 9
    assert decoded.items == [
        Discount(
            id=12,
            uses=0,
            secret=False,
            expires=dt.date(2021, 12, 25),
            code="10%CRED",
            fixed=DiscountKind.PERCENTAGE,
            type=DiscountType.ADDITIONAL_CREDIT,
            amount=Decimal("10.00"),
            services=[66, 67, 36],
        )
    ]


def test_discount_with_empty_services() -> None:
    d = decode_one(golden_bytes("discount"), Discount)
    assert (d.id, d.code, d.type, d.services) == (17, "10%OFF", DiscountType.SUBTRACT_FROM_COST, [])


def test_sessions() -> None:
    decoded = decode_page(golden_bytes("sessions"), Session)
    s = decoded.items[0]
    assert (s.id, s.confirmed, s.multi, s.slots, s.display, s.pract_d) == (479889, True, True, 6, True, 81)
    assert s.cancel_clients == ["76|2328|479889", "49|2329|479895"]
    assert (s.temp, s.recurr_on, s.qb_invoice_id, s.session_status) == (0, False, "", 0)


@pytest.mark.parametrize("name", ["payments", "payment"])
def test_payments_and_payment(name: str) -> None:
    body = golden_bytes(name)
    p = decode_page(body, Payment).items[0] if name == "payments" else decode_one(body, Payment)
    assert p == Payment(
        id=61,
        client_id=49,
        qb_payment_id=0,
        revenue_amount=Decimal("16.87"),
        revenue_tax=Decimal("0.00"),
        revenue_date=dt.date(2021, 2, 22),
        revenue_credit=RevenueCredit.REGULAR,
        revenue_note="",
    )


def test_practitioners() -> None:
    p = decode_page(golden_bytes("practitioners"), Practitioner).items[0]
    assert (p.id, p.pract_settings_id, p.users_id, p.avail_id) == (81, 125, 176, [282])
    assert (p.first_name, p.zipcode, p.email) == ("jennifer", "L9H 2H6", ["jen@mail.com"])


@pytest.mark.parametrize("name", ["locations", "location"])
def test_locations_and_location(name: str) -> None:
    body = golden_bytes(name)
    loc = decode_page(body, Location).items[0] if name == "locations" else decode_one(body, Location)
    assert (loc.id, loc.location_status, loc.location_name) == (19, RecordStatus.DELETED, "TestLocation")
    assert (loc.location_address, loc.online_booking, loc.practs) == ("", False, [])


def test_staffs() -> None:
    s = decode_page(golden_bytes("staffs"), Staff).items[0]
    assert (s.id, s.users_id, s.staff_settings_id, s.last_name) == (31, 5290, 35, "Middletown")
    assert s.text_phone == "1905551111"


def test_meetourstaff_ignores_undocumented_fields() -> None:
    p = decode_page(golden_bytes("meetourstaff"), StaffProfile).items[0]
    assert p == StaffProfile(id=31, users_id=5290, first_name="Mark", last_name="Middletown")


def test_write_result_messages() -> None:
    assert decode_text(golden_bytes("write_success")) == "The records were imported successfully."
    with pytest.raises(APIResponseError, match="Trial accounts may only add 3 clients"):
        decode_text(golden_bytes("write_failure"))
    with pytest.raises(APIResponseError, match="Invalid API key") as info:
        decode_text(golden_bytes("framework_error"))
    assert info.value.status is False
