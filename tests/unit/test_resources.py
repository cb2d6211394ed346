"""Resource methods: argument checks before any request, lookups, path encoding, write bodies, iteration."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from aiobizstim import APIResponseError, Bizstim, DecodeError
from aiobizstim._checks import check_rows
from aiobizstim.models import ENDPOINTS, ClientUpdate, PaymentCreate
from aiobizstim.resources._base import segment
from tests.unit._aioresponses_shim import MockedAPI
from tests.unit.conftest import BASE, KEY, body_sent, envelope_page, requests_sent

Call = Callable[[Bizstim], Awaitable[Any]]

BAD_CALLS: list[tuple[str, Call, type[Exception]]] = [
    ("negative start", lambda bz: bz.clients.list(start=-1), ValueError),
    ("limit 0", lambda bz: bz.discounts.list(limit=0), ValueError),
    ("limit over max", lambda bz: bz.discounts.list(limit=101), ValueError),
    ("clients limit over max", lambda bz: bz.clients.list(limit=1001), ValueError),
    ("sessions limit over max", lambda bz: bz.sessions.list(limit=1001), ValueError),
    ("bool limit", lambda bz: bz.services.list(limit=True), TypeError),
    ("str start", lambda bz: bz.payments.list(start="0"), TypeError),  # type: ignore[arg-type]
    ("get no selector", lambda bz: bz.clients.get(), ValueError),  # type: ignore[call-overload]
    ("get two selectors", lambda bz: bz.clients.get(id=1, email="a@b.c"), ValueError),  # type: ignore[call-overload]
    ("first without last", lambda bz: bz.clients.get(first_name="Ann"), ValueError),  # type: ignore[call-overload]
    ("blank email", lambda bz: bz.clients.get(email="  "), ValueError),
    ("empty username", lambda bz: bz.clients.get(username=""), ValueError),
    ("str id", lambda bz: bz.clients.get(id="21"), TypeError),  # type: ignore[call-overload]
    ("float id", lambda bz: bz.discounts.get(17.0), TypeError),  # type: ignore[arg-type]
    ("bool id", lambda bz: bz.services.get(True), TypeError),
    ("zero id", lambda bz: bz.payments.get(0), ValueError),
    ("negative id", lambda bz: bz.locations.get(-3), ValueError),
    ("availability str", lambda bz: bz.availability.get("504"), TypeError),  # type: ignore[arg-type]
    ("ondemand empty", lambda bz: bz.ondemand.link(""), ValueError),
    ("ondemand blank", lambda bz: bz.ondemand.link(" \t"), ValueError),
    ("ondemand int ident", lambda bz: bz.ondemand.link(12), TypeError),  # type: ignore[arg-type]
    ("ondemand str agent", lambda bz: bz.ondemand.link("x", "0"), TypeError),  # type: ignore[arg-type]
    ("ondemand negative agent", lambda bz: bz.ondemand.link("x", 0, -1), ValueError),
    ("update bad id", lambda bz: bz.clients.update("21", first_name="A"), TypeError),  # type: ignore[arg-type]
    ("update unknown field", lambda bz: bz.clients.update(21, shoe_size=9), TypeError),
    ("update model and fields", lambda bz: bz.clients.update(21, ClientUpdate(), city="X"), TypeError),
    ("wrong model", lambda bz: bz.payments.create(ClientUpdate()), TypeError),  # type: ignore[arg-type]
    ("payment, no client", lambda bz: bz.payments.create(revenue_amount=1, send_email=True), ValueError),
    ("import ragged", lambda bz: bz.clients.import_(["a", "b"], [["1"]]), ValueError),
    ("import no rows", lambda bz: bz.clients.import_(["a"], []), ValueError),
    ("import no header", lambda bz: bz.clients.import_([], [[]]), ValueError),
    ("import header str", lambda bz: bz.clients.import_("ab", [["a", "b"]]), TypeError),
    ("list bad decode mode", lambda bz: bz.discounts.list(on_decode_error="ignore"), ValueError),  # type: ignore[arg-type]
    ("bad max_retries", lambda bz: bz.discounts.get(1, max_retries=-1), ValueError),
]


@pytest.mark.parametrize(("name", "call", "error"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
async def test_bad_arguments_fail_before_any_request(
    api: MockedAPI, bz: Bizstim, name: str, call: Call, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await call(bz)
    assert requests_sent(api) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page_size": 0},
        {"page_size": 101},
        {"start": -1},
        {"max_items": 0},
        {"window": 0},
        {"overlap": 100},
        {"on_decode_error": "nope"},
        {"max_items": "5"},
    ],
)
def test_iter_checks_its_arguments_at_call_time(bz: Bizstim, kwargs: dict[str, Any]) -> None:
    with pytest.raises((ValueError, TypeError)):
        bz.discounts.iter(**kwargs)


def test_iter_details_checks_concurrency(bz: Bizstim) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        bz.clients.iter_details(concurrency=0)
    with pytest.raises(TypeError):
        bz.clients.iter_details(concurrency=2.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "query"),
    [
        ({"id": 21}, "id=21"),
        ({"email": "a+b@x.org"}, "email=a%2Bb%40x.org"),
        ({"username": "cowboy bebop"}, "username=cowboy+bebop"),
        ({"first_name": "Ann", "last_name": "Lee"}, "first_name=Ann&last_name=Lee"),
    ],
)
async def test_client_lookup_is_sent_as_query(
    api: MockedAPI, bz: Bizstim, kwargs: dict[str, Any], query: str
) -> None:
    api.get(f"{BASE}/api/client?{query}", payload={"status": "success", "response": {"id": "21"}})
    client = await bz.clients.get(**kwargs)
    assert client.id == 21


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("9054554671B", "9054554671B"),
        ("a/b", "a%2Fb"),
        ("what?#", "what%3F%23"),
        ("100%", "100%25"),
        ("two words", "two%20words"),
        ("Zoë", "Zo%C3%AB"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        (42, "42"),
    ],
)
def test_path_segments_are_percent_encoded(value: str | int, encoded: str) -> None:
    assert segment(value) == encoded


def test_encoded_path_is_not_renormalised(bz: Bizstim) -> None:
    url = bz._transport.url("/ondemand/a%2Fb%3F%23%25%20/0/0")
    assert url.raw_path == "/ondemand/a%2Fb%3F%23%25%20/0/0"
    assert str(url) == "https://www.bizstim.com/ondemand/a%2Fb%3F%23%25%20/0/0"


async def test_testimonials_and_availability(api: MockedAPI, bz: Bizstim) -> None:
    api.get(
        f"{BASE}/api/testimonials",
        payload={
            "status": "success",
            "response": [{"id": "54", "first_name": "Joe", "testimonial": "<p>Hi</p>"}],
        },
    )
    api.get(f"{BASE}/api/availability/504", payload={"status": "success", "response": {"id": "504"}})
    (t,) = await bz.testimonials.list()
    assert (t.id, t.testimonial) == (54, "<p>Hi</p>")
    assert (await bz.availability.get(504)).id == 504


async def test_writes_send_json_in_wire_form_and_return_the_message(api: MockedAPI, bz: Bizstim) -> None:
    ok = {"status": "success", "response": "Client updated"}
    api.put(f"{BASE}/api/client/21", payload=ok, repeat=True)
    assert await bz.clients.update(21, first_name="Ann", city="Hamilton") == "Client updated"
    assert await bz.clients.update(21, ClientUpdate(first_name="Ann")) == "Client updated"
    calls = api.requests[("PUT", next(k for m, k in api.requests if m == "PUT"))]
    body = body_sent(calls[0])
    assert body == {"first_name": "Ann", "city": "Hamilton"}
    assert calls[0].kwargs["headers"]["Content-Type"] == "application/json"


async def test_every_write_goes_to_its_endpoint(api: MockedAPI, bz: Bizstim) -> None:
    ok = {"status": "success", "response": "done"}
    for name in ("client.add", "clients.import", "payment.create", "payment.add", "practitioner.create"):
        endpoint = ENDPOINTS[name]
        api.add(f"{BASE}{endpoint.path}", method=endpoint.verb, payload=ok)
    payment = PaymentCreate(client_id=5, revenue_amount="10.00", send_email=False)  # type: ignore[arg-type]
    assert (
        await bz.clients.add(first_name="A", last_name="B", status="active", state="ON", country="CA")
        == "done"
    )
    assert await bz.clients.import_(["first_name", "last_name"], [["A", "B"], ["C", None]]) == "done"
    assert await bz.payments.create(payment) == "done"
    assert await bz.payments.add(payment) == "done"
    assert (
        await bz.practitioners.create(
            first_name="P", last_name="Q", wage_tier=0, state="ON", country="CA", status="active"
        )
        == "done"
    )
    assert requests_sent(api) == 5


async def test_write_failure_envelope_is_an_api_response_error(api: MockedAPI, bz: Bizstim) -> None:
    api.post(
        f"{BASE}/api/clients",
        payload={
            "status": "failure",
            "response": "Trial accounts may only add 3 clients per run or 30 clients an hour",
        },
    )
    with pytest.raises(APIResponseError, match="Trial accounts"):
        await bz.clients.import_(["first_name"], [["A"], ["B"], ["C"], ["D"]])


async def test_list_returns_a_page(api: MockedAPI, bz: Bizstim) -> None:
    api.get(f"{BASE}/api/discounts/40/20", payload=envelope_page(list(range(41, 61)), 95))
    page = await bz.discounts.list(start=40)
    assert (page.start, page.limit, page.total, page.has_more, len(page)) == (40, 20, 95, True, 20)
    assert [d.id for d in page] == list(range(41, 61))  # a Page iterates its records


async def test_iter_over_mocked_pages(api: MockedAPI, bz: Bizstim) -> None:
    # page size 10 -> overlap 1 -> offsets 0, 9, 18 for 25 records
    ids = list(range(1, 26))
    for offset in (0, 9, 18):
        api.get(f"{BASE}/api/discounts/{offset}/10", payload=envelope_page(ids[offset : offset + 10], 25))
    got = [d.id async for d in bz.discounts.iter(page_size=10)]
    assert got == ids
    assert bz.stats.duplicates_dropped == 2


async def test_iter_retries_a_page_body_cut_short_and_raises_for_a_bad_record(
    api: MockedAPI, bz: Bizstim
) -> None:
    # iter() decodes a page only when it reaches it, but a body that is not JSON at all is still caught
    # when it arrives, so the transport retries it like any other truncated response.
    ids = list(range(1, 26))
    api.get(f"{BASE}/api/discounts/0/10", payload=envelope_page(ids[0:10], 25))
    api.get(f"{BASE}/api/discounts/9/10", body='{"status": "success", "total": 25, "resp')
    api.get(f"{BASE}/api/discounts/9/10", payload=envelope_page(ids[9:19], 25))
    api.get(f"{BASE}/api/discounts/18/10", payload=envelope_page(ids[18:25], 25))
    assert [d.id async for d in bz.discounts.iter(page_size=10)] == ids
    assert (bz.stats.retries, requests_sent(api)) == (1, 4)

    # Valid JSON with a record that does not decode is not retried: it raises, naming the record.
    bad = envelope_page(ids[9:19], 25)
    bad["response"][2]["expires"] = "not a date"  # type: ignore[index]
    api.get(f"{BASE}/api/discounts/0/10", payload=envelope_page(ids[0:10], 25))
    api.get(f"{BASE}/api/discounts/9/10", payload=bad)
    api.get(f"{BASE}/api/discounts/18/10", payload=envelope_page(ids[18:25], 25))
    got: list[int | None] = []

    async def consume() -> None:
        async for discount in bz.discounts.iter(page_size=10):
            got.append(discount.id)

    with pytest.raises(DecodeError, match=r"\$\.response\[2\]\.expires") as info:
        await consume()
    assert got == ids[:10]
    assert "GET /api/discounts/9/10" in str(info.value)
    assert bz.stats.retries == 1


async def test_skip_mode_drops_and_logs_bad_records(
    api: MockedAPI, bz: Bizstim, caplog: pytest.LogCaptureFixture
) -> None:
    body = {
        "status": "success",
        "total": 3,
        "response": [{"id": "1"}, {"id": "2", "expires": "not a date"}, {"id": "3"}],
    }
    api.get(f"{BASE}/api/discounts/0/100", payload=body, repeat=True)
    with pytest.raises(DecodeError, match=r"\$\.response\[1\]\.expires"):
        [d async for d in bz.discounts.iter()]
    caplog.set_level(logging.WARNING, logger="aiobizstim")
    got = [d.id async for d in bz.discounts.iter(on_decode_error="skip")]
    assert got == [1, 3]
    assert bz.stats.skipped_records == 1
    (record,) = [r for r in caplog.records if "skipped" in r.getMessage()]
    message = record.getMessage()
    assert "$.response[1].expires" in message
    assert "GET /api/discounts/0/100" in message
    page = await bz.discounts.list(limit=100, on_decode_error="skip")
    assert (len(page.items), page.skipped, page.has_more) == (2, 1, False)
    assert KEY not in caplog.text


def test_an_import_row_takes_decimals_and_dates_and_refuses_non_finite_numbers() -> None:
    """Money is a Decimal everywhere else in the library: the import refused it, and sent float('nan') as
    'nan' (a review found both)."""
    _, rows = check_rows(
        ["a", "b", "c", "d", "e", "f"],
        [[Decimal("10.50"), Decimal("1E+2"), dt.date(2024, 2, 29), 7, 2.5, None]],
    )
    assert rows == [["10.50", "100", "2024-02-29", "7", "2.5", ""]]
    _, rows = check_rows(["a", "b", "c", "d"], [[Decimal("1E+30"), 1e16, 1e-05, Decimal("-0.50")]])
    assert rows == [["1" + "0" * 30, "10000000000000000", "0.00001", "-0.50"]]  # never an exponent
    for bad in (float("nan"), float("inf"), Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity")):
        with pytest.raises(ValueError, match=r"^data\[0\]\[0\] must be a finite number"):
            check_rows(["a"], [[bad]])
    with pytest.raises(TypeError, match=r"^data\[0\]\[0\] must be a str, number or date, got datetime"):
        check_rows(["a"], [[dt.datetime(2024, 1, 1, 12, 0)]])
