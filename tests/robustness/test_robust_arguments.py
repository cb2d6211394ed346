"""Bad arguments to every public method raise ValueError/TypeError before any request reaches the server;
identifiers that are legal but awkward (``/ ? # %``, spaces, non-ASCII) are percent-encoded and arrive intact.

"Before any request" is checked at the fake server: its request log stays empty.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
import pytest_asyncio

from aiobizstim import APIResponseError, Bizstim, ConfigurationError, NotFoundError
from aiobizstim.models import ENDPOINTS, ClientCreate, ClientStatus, PaymentCreate
from aiobizstim.testing import FakeBizstim
from tests.robustness._support import QUICK_RETRIES, SECRET_KEY

# Valid bodies, passed to the wrong write method.
A_PAYMENT = PaymentCreate(revenue_amount=Decimal("10.00"), send_email=False, client_id=21)
A_CLIENT = ClientCreate(first_name="A", last_name="B", status=ClientStatus.ACTIVE, state="ON", country="CA")

Call = Callable[[Any], Any]

PAGED = {
    "clients": "clients",
    "discounts": "discounts",
    "services": "services",
    "sessions": "sessions",
    "payments": "payments",
    "practitioners": "practitioners",
    "locations": "locations",
    "staffs": "staffs",
    "meetourstaff": "meetourstaff",
}


def _method(resource: str, method: str, *args: Any, **kwargs: Any) -> Call:
    """``bz.<resource>.<method>(*args, **kwargs)`` as a case."""

    def call(bz: Bizstim) -> Any:
        return getattr(getattr(bz, resource), method)(*args, **kwargs)

    return call


def _paged_cases() -> list[tuple[str, Call, type[Exception]]]:
    cases: list[tuple[str, Call, type[Exception]]] = []
    for attr, endpoint in PAGED.items():
        top = ENDPOINTS[endpoint].max_limit
        assert top is not None

        list_cases: list[tuple[str, dict[str, Any], type[Exception]]] = [
            ("start<0", {"start": -1}, ValueError),
            ("limit=0", {"limit": 0}, ValueError),
            ("limit<0", {"limit": -5}, ValueError),
            ("limit>max", {"limit": top + 1}, ValueError),
            ("start=str", {"start": "0"}, TypeError),
            ("start=float", {"start": 0.0}, TypeError),
            ("start=bool", {"start": True}, TypeError),
            ("limit=str", {"limit": "10"}, TypeError),
            ("limit=None-ish", {"limit": 1.5}, TypeError),
            ("on_decode_error", {"on_decode_error": "ignore"}, ValueError),
            ("timeout=0", {"timeout": 0}, ValueError),
            ("timeout<0", {"timeout": -1.0}, ValueError),
            # TypeError, as for Bizstim(timeout="5"): one check serves constructor and calls (issue 12).
            ("timeout=str", {"timeout": "5"}, TypeError),
            ("timeout=inf", {"timeout": float("inf")}, ConfigurationError),
            ("max_retries<0", {"max_retries": -1}, ValueError),
            ("max_retries=str", {"max_retries": "3"}, TypeError),
        ]
        for label, kwargs, exc in list_cases:
            cases.append((f"{attr}.list({label})", _method(attr, "list", **kwargs), exc))
        iter_cases: list[tuple[str, dict[str, Any], type[Exception]]] = [
            ("page_size=0", {"page_size": 0}, ValueError),
            ("page_size>max", {"page_size": top + 1}, ValueError),
            ("page_size=str", {"page_size": "100"}, TypeError),
            ("start<0", {"start": -1}, ValueError),
            ("start=float", {"start": 1.0}, TypeError),
            ("max_items=0", {"max_items": 0}, ValueError),
            ("max_items<0", {"max_items": -3}, ValueError),
            ("max_items=str", {"max_items": "7"}, TypeError),
            ("max_items=bool", {"max_items": True}, TypeError),
            ("timeout=bool", {"timeout": True}, TypeError),
            ("window=0", {"window": 0}, ValueError),
            ("overlap=page_size", {"page_size": 10, "overlap": 10}, ValueError),
            ("overlap<0", {"overlap": -1}, ValueError),
            ("on_decode_error", {"on_decode_error": "drop"}, ValueError),
            ("max_retries<0", {"max_retries": -1}, ValueError),
            ("timeout=0", {"timeout": 0}, ValueError),
        ]
        for label, kwargs, exc in iter_cases:
            cases.append((f"{attr}.iter({label})", _method(attr, "iter", **kwargs), exc))
            cases.append((f"{attr}.iter_pages({label})", _method(attr, "iter_pages", **kwargs), exc))
    return cases


def _get_by_id_cases() -> list[tuple[str, Call, type[Exception]]]:
    cases: list[tuple[str, Call, type[Exception]]] = []
    for attr in ("discounts", "services", "payments", "locations", "availability"):
        for label, value, exc in [
            ("0", 0, ValueError),
            ("-1", -1, ValueError),
            ("str", "17", TypeError),
            ("blank", " ", TypeError),
            ("float", 17.0, TypeError),
            ("bool", True, TypeError),
            ("None", None, TypeError),
        ]:
            cases.append((f"{attr}.get({label})", _method(attr, "get", value), exc))
    return cases


def _client_cases() -> list[tuple[str, Call, type[Exception]]]:
    c: list[tuple[str, Call, type[Exception]]] = [
        ("clients.get()", lambda bz: bz.clients.get(), ValueError),
        ("clients.get(id=0)", lambda bz: bz.clients.get(id=0), ValueError),
        ("clients.get(id=-4)", lambda bz: bz.clients.get(id=-4), ValueError),
        ("clients.get(id=str)", lambda bz: bz.clients.get(id="21"), TypeError),
        ("clients.get(id=float)", lambda bz: bz.clients.get(id=21.0), TypeError),
        ("clients.get(id=bool)", lambda bz: bz.clients.get(id=True), TypeError),
        ("clients.get(email='')", lambda bz: bz.clients.get(email=""), ValueError),
        ("clients.get(email=blank)", lambda bz: bz.clients.get(email=" \t"), ValueError),
        ("clients.get(email=int)", lambda bz: bz.clients.get(email=5), TypeError),
        ("clients.get(username=blank)", lambda bz: bz.clients.get(username="  "), ValueError),
        ("clients.get(first only)", lambda bz: bz.clients.get(first_name="Ann"), ValueError),
        ("clients.get(last only)", lambda bz: bz.clients.get(last_name="Lee"), ValueError),
        ("clients.get(first blank)", lambda bz: bz.clients.get(first_name=" ", last_name="Lee"), ValueError),
        ("clients.get(id+email)", lambda bz: bz.clients.get(id=1, email="a@b.c"), ValueError),
        (
            "clients.get(email+name)",
            lambda bz: bz.clients.get(email="a@b.c", first_name="A", last_name="B"),
            ValueError,
        ),
        (
            "clients.iter_details(concurrency=0)",
            lambda bz: bz.clients.iter_details(concurrency=0),
            ValueError,
        ),
        (
            "clients.iter_details(concurrency=str)",
            lambda bz: bz.clients.iter_details(concurrency="4"),
            TypeError,
        ),
        ("clients.iter_details(page_size=0)", lambda bz: bz.clients.iter_details(page_size=0), ValueError),
        ("clients.iter_details(start<0)", lambda bz: bz.clients.iter_details(start=-1), ValueError),
        (
            "clients.iter_details(max_retries<0)",
            lambda bz: bz.clients.iter_details(max_retries=-1),
            ValueError,
        ),
        ("clients.update(0)", lambda bz: bz.clients.update(0, first_name="A"), ValueError),
        ("clients.update(str id)", lambda bz: bz.clients.update("21", first_name="A"), TypeError),
        ("clients.update(unknown field)", lambda bz: bz.clients.update(21, no_such_field="x"), TypeError),
        ("clients.update(wrong body)", lambda bz: bz.clients.update(21, A_PAYMENT), TypeError),
        ("clients.add(unknown field)", lambda bz: bz.clients.add(bogus=1), TypeError),
        ("clients.add(wrong body)", lambda bz: bz.clients.add("first_name=A"), TypeError),
        ("clients.import_(empty header)", lambda bz: bz.clients.import_([], [["a"]]), ValueError),
        ("clients.import_(header str)", lambda bz: bz.clients.import_("a,b", [["1", "2"]]), TypeError),
        (
            "clients.import_(blank column)",
            lambda bz: bz.clients.import_(["a", " "], [["1", "2"]]),
            ValueError,
        ),
        ("clients.import_(no rows)", lambda bz: bz.clients.import_(["a"], []), ValueError),
        ("clients.import_(row str)", lambda bz: bz.clients.import_(["a"], ["x"]), TypeError),
        ("clients.import_(short row)", lambda bz: bz.clients.import_(["a", "b"], [["1"]]), ValueError),
        ("clients.import_(long row)", lambda bz: bz.clients.import_(["a"], [["1", "2"]]), ValueError),
        ("clients.import_(dict value)", lambda bz: bz.clients.import_(["a"], [[{"x": 1}]]), TypeError),
        ("payments.create(unknown field)", lambda bz: bz.payments.create(bogus=1), TypeError),
        ("payments.create(wrong body)", lambda bz: bz.payments.create(A_CLIENT), TypeError),
        ("payments.add(unknown field)", lambda bz: bz.payments.add(nope=2), TypeError),
        ("practitioners.create(unknown)", lambda bz: bz.practitioners.create(nope=2), TypeError),
        ("ondemand.link('')", lambda bz: bz.ondemand.link(""), ValueError),
        ("ondemand.link(blank)", lambda bz: bz.ondemand.link("  \t"), ValueError),
        ("ondemand.link(None)", lambda bz: bz.ondemand.link(None), TypeError),
        ("ondemand.link(int)", lambda bz: bz.ondemand.link(9054554671), TypeError),
        ("ondemand.link(primary<0)", lambda bz: bz.ondemand.link("x", primary_agent_id=-1), ValueError),
        ("ondemand.link(primary=str)", lambda bz: bz.ondemand.link("x", primary_agent_id="1"), TypeError),
        (
            "ondemand.link(secondary=float)",
            lambda bz: bz.ondemand.link("x", secondary_agent_id=1.5),
            TypeError,
        ),
        ("testimonials.list(timeout<0)", lambda bz: bz.testimonials.list(timeout=-1), ValueError),
        ("testimonials.list(max_retries<0)", lambda bz: bz.testimonials.list(max_retries=-2), ValueError),
    ]
    return c


CASES = _paged_cases() + _get_by_id_cases() + _client_cases()

# One server and one client for the whole module: hundreds of cases, none of which may change their state.
in_module_loop = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_fake() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=50, seed=5, api_key=SECRET_KEY) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_bz(shared_fake: FakeBizstim) -> AsyncIterator[Bizstim]:
    async with Bizstim(api_key=SECRET_KEY, base_url=shared_fake.url, retry_policy=QUICK_RETRIES) as client:
        yield client


async def _invoke(call: Call, bz: Bizstim) -> None:
    result = call(bz)
    if inspect.isawaitable(result):
        await result
    else:  # an iterator: its arguments are checked when it is created, not on the first step
        await anext(result)
        pytest.fail("the iterator started instead of rejecting its arguments at call time")


@in_module_loop
@pytest.mark.parametrize(("call", "expected"), [(c, e) for _, c, e in CASES], ids=[n for n, _, _ in CASES])
async def test_bad_argument_raises_before_any_request(
    shared_bz: Bizstim, shared_fake: FakeBizstim, call: Call, expected: type[Exception]
) -> None:
    bz, fake = shared_bz, shared_fake
    fake.reset_stats()
    sent_before = bz.stats.requests
    with pytest.raises(expected):
        await _invoke(call, bz)
    assert fake.requests == [], "a request reached the server"
    assert bz.stats.requests == sent_before


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"max_concurrency": 0}, ValueError),
        ({"max_concurrency": "8"}, TypeError),
        ({"max_retries": -1}, ValueError),
        ({"max_retries": 2.0}, TypeError),
        ({"timeout": 0}, ValueError),
        ({"timeout": float("nan")}, ValueError),
        ({"timeout": "30"}, TypeError),
        ({"rate_limit": 0}, ValueError),
        ({"rate_limit": -2.5}, ValueError),
        ({"rate_limit": float("inf")}, ValueError),
        ({"base_url": "ftp://127.0.0.1/"}, ValueError),
        ({"base_url": "127.0.0.1:8080"}, ValueError),
        ({"base_url": "http://user:pw@127.0.0.1/"}, ValueError),
        ({"base_url": "https://www.bizstim.com/?x=1"}, ValueError),
        ({"api_key": "  "}, ValueError),
        ({"api_key": "abc\r\nX-Injected: 1"}, ValueError),
        ({"session": "not a session"}, TypeError),
    ],
    ids=repr,
)
def test_bad_client_settings_raise_at_construction(kwargs: dict[str, Any], expected: type[Exception]) -> None:
    options: dict[str, Any] = {"api_key": SECRET_KEY, "base_url": "http://127.0.0.1:9"} | kwargs
    with pytest.raises(expected) as info:
        Bizstim(**options)
    if isinstance(info.value, ConfigurationError):
        assert SECRET_KEY not in str(info.value)


AWKWARD_IDENTIFIERS = [
    "a/b",
    "a?b=c",
    "frag#ment",
    "100%",
    "%2F",
    "%",
    "with space",
    " leading-and-trailing ",
    "plus+sign",
    "semi;colon&amp=eq",
    "ü-名前-😀",
    "..",
    ".",
    "back\\slash",
    "quote'\"",
    "9054554671B",
]


@in_module_loop
@pytest.mark.parametrize("identifier", AWKWARD_IDENTIFIERS, ids=repr)
async def test_ondemand_identifier_arrives_intact_as_one_segment(
    shared_bz: Bizstim, shared_fake: FakeBizstim, identifier: str
) -> None:
    bz, fake = shared_bz, shared_fake
    fake.reset_stats()
    link = await bz.ondemand.link(identifier, primary_agent_id=7, secondary_agent_id=0)
    assert isinstance(link, str)
    assert link
    (record,) = fake.requests
    assert record.status == 200
    segments = record.path.split("/")
    assert segments[:2] == ["", "ondemand"]
    assert len(segments) == 5, f"the identifier was split into several segments: {record.path}"
    assert unquote(segments[2]) == identifier
    assert segments[3:] == ["7", "0"]
    assert record.query == {}, "part of the identifier became a query string"


@in_module_loop
@pytest.mark.parametrize(
    ("selector", "value"),
    [
        ("email", "a+b@example.com"),
        ("email", "x@y.z&id=5"),
        ("email", "frag#ment@example.com"),
        ("username", "ü-名前 with space/slash?q=1%20"),
        ("username", "semi;colon"),
    ],
    ids=repr,
)
async def test_lookup_selectors_arrive_intact_in_the_query(
    shared_bz: Bizstim, shared_fake: FakeBizstim, selector: str, value: str
) -> None:
    bz, fake = shared_bz, shared_fake
    fake.reset_stats()
    with pytest.raises((APIResponseError, NotFoundError)):  # no such client
        await bz.clients.get(**{selector: value})  # type: ignore[call-overload]
    (record,) = fake.requests
    assert record.path == "/api/client"
    assert record.query == {selector: value}
