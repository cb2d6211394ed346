"""FakeBizstim reads: pagination, lookups, auth, failure envelopes, on-demand links, quirks, determinism."""

from __future__ import annotations

import re
import time
from typing import Any

import aiohttp
import msgspec
import pytest

from aiobizstim._envelope import decode_list, decode_one, decode_page, decode_text
from aiobizstim.models import ENDPOINTS, Shape
from aiobizstim.testing import FakeBizstim
from tests.fake.conftest import fetch, get_json

PAGED = [name for name, ep in ENDPOINTS.items() if ep.shape is Shape.PAGE]


def _base(name: str) -> str:
    return ENDPOINTS[name].path.split("/{", 1)[0]


@pytest.mark.parametrize("name", PAGED)
async def test_page_defaults_and_clamping(
    name: str, fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    ep = ENDPOINTS[name]
    assert ep.default_limit is not None
    assert ep.max_limit is not None
    doc = await get_json(session, fake, _base(name))
    total = doc["total"]
    assert doc["status"] == "success"
    assert isinstance(total, int)
    assert len(doc["response"]) == min(ep.default_limit, total)
    # Only start: default limit from there.
    doc_start = await get_json(session, fake, f"{_base(name)}/1")
    assert doc_start["response"][: ep.default_limit - 1] == doc["response"][1:]
    # A limit over the maximum is clamped to the maximum.
    doc_big = await get_json(session, fake, f"{_base(name)}/0/{ep.max_limit * 5}")
    assert len(doc_big["response"]) == min(ep.max_limit, total)
    # Start at or past the end: empty list, total unchanged.
    for start in (total, total + 10_000):
        doc_end = await get_json(session, fake, f"{_base(name)}/{start}/{ep.max_limit}")
        assert doc_end == {**doc_end, "status": "success", "total": total, "response": []}


async def test_clients_pages_cover_every_id_once(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    seen: list[int] = []
    for start in range(0, 2500, 1000):
        doc = await get_json(session, fake, f"/api/clients/{start}/1000")
        seen.extend(int(r["id"]) for r in doc["response"])
    assert seen == fake.client_ids()
    assert len(set(seen)) == 2500


async def test_limit_zero_and_bad_segments(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    assert (await get_json(session, fake, "/api/clients/0/0"))["response"] == []
    for path in ("/api/clients/-1/10", "/api/clients/abc", "/api/clients/0/1.5"):
        doc = await get_json(session, fake, path)
        assert doc["status"] == "failure"
        assert "start or limit" in doc["response"]


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/clients", None),
        ("/api/clients", "wrong" * 8),
        ("/api/testimonials", ""),
        ("/ondemand/x/0/0", None),
    ],
)
async def test_wrong_or_missing_key_is_403(
    path: str, key: str | None, fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    headers = {} if key is None else {"x-api-key": key}
    async with session.get(fake.url + path, headers=headers) as resp:
        assert resp.status == 403
        assert await resp.read() == b'{"status":false,"error":"Invalid API key "}'


async def test_unknown_method_is_404(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    status, body = await fetch(session, fake, "/api/nosuchmethod/1")
    assert status == 404
    assert msgspec.json.decode(body) == {"status": False, "error": "Unknown method"}
    status, _ = await fetch(session, fake, "/api/testimonials", method="DELETE")
    assert status == 405


async def test_client_lookups(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    cid = fake.client_ids()[123]
    full = fake.client(cid)
    assert full is not None
    by_id = await get_json(session, fake, f"/api/client?id={cid}")
    assert by_id == {"status": "success", "response": full}
    assert await get_json(session, fake, f"/api/client/{cid}") == by_id
    assert await get_json(
        session,
        fake,
        "/api/client",
    ) == {
        "status": "failure",
        "response": "No search parameters provided: use id, email, username or first_name/last_name",
    }
    email = next(e.strip() for e in full["email"].split(",") if e.strip())
    assert await get_json(session, fake, f"/api/client?email={email.upper()}") == by_id
    assert await get_json(session, fake, f"/api/client?username={full['username'].upper()}") == by_id
    names = await get_json(
        session, fake, f"/api/client?first_name={full['first_name']}&last_name={full['last_name']}"
    )
    assert names["status"] == "success"
    assert (names["response"]["first_name"], names["response"]["last_name"]) == (
        full["first_name"],
        full["last_name"],
    )
    # The first match in list order wins for names.
    first_match = next(
        i for i in fake.client_ids() if (c := fake.client(i)) and c["first_name"] == full["first_name"]
    )
    assert int(names["response"]["id"]) <= cid
    assert int(names["response"]["id"]) == first_match or names["response"]["last_name"] == full["last_name"]


async def test_lookup_precedence(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    a, b, c = (fake.client(i) for i in fake.client_ids()[:3])
    assert a is not None
    assert b is not None
    assert c is not None
    email_b = next(e.strip() for e in b["email"].split(",") if e.strip())
    # email, username and id override the names; whichever of them comes first in the query wins.
    cases = [
        (f"first_name={c['first_name']}&id={a['id']}&email={email_b}", a),
        (f"email={email_b}&id={a['id']}", b),
        (f"username={c['username']}&email={email_b}&id={a['id']}", c),
        (f"last_name={a['last_name']}&username={b['username']}", b),
        (f"id=&email={email_b}", b),  # an empty value counts as absent
    ]
    for query, expected in cases:
        doc = await get_json(session, fake, f"/api/client?{query}")
        assert doc["response"]["id"] == expected["id"], query


@pytest.mark.parametrize(
    "path",
    [
        "/api/client?id=1",
        "/api/client?id=abc",
        "/api/client/99999999",
        "/api/client?email=nobody@nowhere.invalid",
        "/api/client?username=nobody",
        "/api/client?first_name=Nobody&last_name=Atall",
        "/api/availability/1",
        "/api/service/9999",
        "/api/discount/x",
        "/api/payment/1",
        "/api/location/0",
    ],
)
async def test_unknown_ids_give_the_failure_envelope(
    path: str, fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    status, body = await fetch(session, fake, path)
    assert status == 200
    doc = msgspec.json.decode(body)
    assert doc["status"] == "failure"
    assert isinstance(doc["response"], str)
    assert doc["response"]


@pytest.mark.parametrize(
    ("name", "table"),
    [("availability", "availability"), ("service", "services"), ("discount", "discounts"),
     ("payment", "payments"), ("location", "locations")],
)  # fmt: skip
async def test_single_record_methods(
    name: str, table: str, fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    record = fake.records(table)[3]
    path = re.sub(r"\{[^}]+\}", record["id"], ENDPOINTS[name].path)
    assert await get_json(session, fake, path) == {"status": "success", "response": record}


@pytest.mark.parametrize(
    ("identifier", "encoded"),
    [
        ("9054554671B", "9054554671B"),
        ("a/b", "a%2Fb"),
        ("what?#x", "what%3F%23x"),
        ("100%", "100%25"),
        ("José Ñ", "Jos%C3%A9%20%C3%91"),
    ],
)
async def test_ondemand_identifier_is_one_decoded_segment(
    identifier: str, encoded: str, fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    url = f"{fake.url}/ondemand/{encoded}/200/242"
    async with session.get(url, headers={"x-api-key": fake.api_key}) as resp:
        link = decode_text(await resp.read())
    assert re.fullmatch(r"http://www\.bizstim\.com/ondemand/company/[0-9a-f]{48}", link)
    assert link == fake.ondemand_link(identifier, 200, 242)
    assert link != fake.ondemand_link(identifier, 200, 0)
    assert fake.requests[-1].path == f"/ondemand/{encoded}/200/242"


async def test_ondemand_rejects_non_integer_agents(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    doc = await get_json(session, fake, "/ondemand/abc/x/0")
    assert doc["status"] == "failure"


async def test_testimonials_and_sessions_envelopes(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    testimonials = await get_json(session, fake, "/api/testimonials")
    assert set(testimonials) == {"status", "response"}
    assert all("<p>" in t["testimonial"] for t in testimonials["response"])
    sessions = await get_json(session, fake, "/api/sessions")
    assert list(sessions) == ["status", "total", "timezone", "response"]


async def test_everything_served_decodes_with_the_models(
    fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    """The seeded quirks stay inside what the generated models (lenient decoding) accept."""
    for name in PAGED:
        ep = ENDPOINTS[name]
        assert ep.response_model is not None
        assert ep.max_limit is not None
        start = 0
        while True:
            _, body = await fetch(session, fake, f"{_base(name)}/{start}/{ep.max_limit}")
            page = decode_page(body, ep.response_model)
            assert not page.skipped
            start += len(page.items)
            if not page.items or start >= (page.total or 0):
                break
        assert start == page.total
    model = ENDPOINTS["client"].response_model
    assert model is not None
    for cid in fake.client_ids()[:300]:
        _, body = await fetch(session, fake, f"/api/client?id={cid}")
        decode_one(body, model)
    testimonial = ENDPOINTS["testimonials"].response_model
    assert testimonial is not None
    assert decode_list((await fetch(session, fake, "/api/testimonials"))[1], testimonial)


async def test_wire_quirks_are_present(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    _, body = await fetch(session, fake, "/api/clients/0/1000")
    text = body.decode()
    assert re.search(r'"email":"[^"]*, [^"]*"', text)  # comma list with spaces
    assert re.search(r'"email":"[^" ]*,[^" ]+"', text)  # ... and without
    assert re.search(r'"text_phone":"[^"]*,"', text)  # trailing comma
    assert re.search(r'"(id|avail_id)":\d', text)  # a JSON number where a string is documented
    assert '"custom_23":' in text  # an unknown extra field
    details = [fake.client(i) for i in fake.client_ids()[:200]]
    blob = msgspec.json.encode(details).decode()
    for marker in ('"hide costs":', '"user_records":', '"use_records":', '"minTime":', '"maxTime":"24:00:00"',
                   '"0000-00-00"', '"dob":""'):  # fmt: skip
        assert marker in blob, marker
    discounts = await get_json(session, fake, "/api/discounts/0/100")
    assert any(d["services"] == "" for d in discounts["response"])
    locations = await get_json(session, fake, "/api/locations/0/100")
    assert any(loc["practs"] == "" for loc in locations["response"])
    availability = await get_json(session, fake, "/api/availability/500")
    assert all(re.fullmatch(r"\d\d:\d\d", v) for k, v in availability["response"].items() if "Avail" in k)


async def test_same_seed_same_bytes(session: aiohttp.ClientSession) -> None:
    paths = ["/api/clients/0/1000", "/api/clients/900/200", "/api/client/521", "/api/discounts/0/100",
             "/api/sessions/0/1000", "/api/testimonials", "/ondemand/X1/0/0", "/api/locations"]  # fmt: skip
    bodies: list[list[bytes]] = []
    for seed in (3, 3, 4):
        async with FakeBizstim(clients=1200, seed=seed) as fake:
            assert fake.client(521) is not None
            bodies.append([(await fetch(session, fake, p))[1] for p in paths])
    assert bodies[0] == bodies[1]
    assert all(a != b for a, b in zip(bodies[0], bodies[2], strict=True))


async def test_a_large_store_serves_pages_fast(session: aiohttp.ClientSession) -> None:
    async with FakeBizstim(clients=100_000, seed=1) as fake:
        await fetch(session, fake, "/api/clients/0/1000")  # warm-up
        fake.reset_stats()
        for start in (0, 50_000, 99_000):
            status, body = await fetch(session, fake, f"/api/clients/{start}/1000")
            assert status == 200
            assert body.count(b'"users_id"') == 1000
        slowest = max(r.duration for r in fake.requests)
        assert slowest < 0.1, f"a 1000-record page took {slowest * 1000:.1f} ms server-side"
        # The name lookup is a full scan; it must still answer in reasonable time.
        last = fake.client(fake.client_ids()[-1])
        assert last is not None
        t0 = time.perf_counter()
        doc: Any = await get_json(session, fake, f"/api/client?email={last['email'].split(',')[0].strip()}")
        assert doc["status"] == "success" or last["email"] == ""
        assert time.perf_counter() - t0 < 1.0


async def test_a_trailing_slash_reaches_the_same_method(
    fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    # CodeIgniter trims a trailing slash before routing; the fake answers both spellings alike.
    for path in ("/api/clients/0/10", "/api/discount/1", "/api/testimonials"):
        plain = await fetch(session, fake, path)
        slashed = await fetch(session, fake, path + "/")
        assert plain[0] == 200
        assert slashed == plain
    assert (await fetch(session, fake, "/api/nosuchmethod/"))[0] == 404


async def test_formats_other_than_json_are_refused_not_ignored(
    fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    assert (await fetch(session, fake, "/api/discount/1?format=json"))[0] == 200
    status, body = await fetch(session, fake, "/api/discount/1?format=xml")
    assert status == 406
    assert msgspec.json.decode(body) == {
        "status": False,
        "error": "FakeBizstim serves format=json only, not format=xml",
    }
