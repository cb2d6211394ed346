"""FakeBizstim writes change its state: update, legacy add, bulk import, payments, practitioners."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from aiobizstim.testing import FakeBizstim
from tests.fake.conftest import get_json

_IMPORT_HEADER = ["first_name", "last_name", "status", "email", "city", "23_favourite colour", "VIP"]


_PAYMENT_RULE = (
    "give client_id, or all of first_name, last_name, state, country, status to create a new client"
)


def _ok(message: str) -> dict[str, str]:
    return {"status": "success", "response": message}


async def test_update_changes_list_and_detail(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    cid = fake.client_ids()[5]
    doc = await get_json(
        session, fake, f"/api/client/{cid}", method="PUT", json={"city": "Dundas", "funnel_id": 125}
    )
    assert doc == _ok("The client was updated successfully.")
    detail = await get_json(session, fake, f"/api/client?id={cid}")
    assert detail["response"]["city"] == "Dundas"
    assert detail["response"]["funnel_id"] == "125"  # stored in wire form
    page = await get_json(session, fake, "/api/clients/5/1")
    assert page["response"][0]["city"] == "Dundas"
    # Other clients are untouched.
    other = fake.client(fake.client_ids()[6])
    assert other is not None
    assert (await get_json(session, fake, "/api/clients/6/1"))["response"][0]["city"] == (other["city"])


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/api/client/99999999", {"city": "X"}, "No client found"),
        ("/api/client/21", {}, "No data provided"),
        ("/api/client/21", {"status": "sleeping"}, "Invalid status: use active, inactive or prospect"),
    ],
)
async def test_update_failures(
    path: str, body: dict[str, Any], message: str, fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    before = fake.client(21)
    assert await get_json(session, fake, path, method="PUT", json=body) == {
        "status": "failure",
        "response": message,
    }
    assert fake.client(21) == before


async def test_legacy_add_appends_a_client(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    before = len(fake.client_ids())
    body = {"first_name": "Ada", "last_name": "Lovelace", "status": "active", "state": "ON", "country": "CA",
            "username": "adal", "email": "ada@example.com,al@example.com", "password": "secret"}  # fmt: skip
    assert await get_json(session, fake, "/api/client", method="PUT", json=body) == _ok(
        "The client was added successfully."
    )
    ids = fake.client_ids()
    assert len(ids) == before + 1
    found = await get_json(session, fake, "/api/client?username=ADAL")
    assert found["response"]["id"] == str(ids[-1])
    assert "password" not in found["response"]
    assert (await get_json(session, fake, "/api/client?email=al@example.com"))["response"]["id"] == str(
        ids[-1]
    )
    listed = await get_json(session, fake, f"/api/clients/{before}/10")
    assert listed["total"] == before + 1
    assert [r["last_name"] for r in listed["response"]] == ["Lovelace"]
    # The username is now taken; required fields are checked.
    again = await get_json(session, fake, "/api/client", method="PUT", json=body)
    assert again == {"status": "failure", "response": "That username is already taken"}
    missing = await get_json(session, fake, "/api/client", method="PUT", json={"first_name": "X"})
    assert missing == {
        "status": "failure",
        "response": "Missing required field(s): last_name, status, state, country",
    }


async def test_bulk_import(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    before = len(fake.client_ids())
    rows = [
        ["Grace", "Hopper", "active", "grace@example.com", "Arlington", "blue", "VIP"],
        ["Alan", "Turing", "prospect", "alan@example.com, turing@example.com", "Wilmslow", "", ""],
    ]
    doc = await get_json(
        session, fake, "/api/clients", method="POST", json={"header": _IMPORT_HEADER, "data": rows}
    )
    assert doc == _ok("The records were imported successfully.")
    ids = fake.client_ids()
    assert len(ids) == before + 2
    grace = fake.client(ids[-2])
    assert grace is not None
    assert (grace["first_name"], grace["custom_23"], grace["tags"]) == ("Grace", "blue", "VIP")
    assert (await get_json(session, fake, "/api/client?email=turing@example.com"))["response"]["id"] == str(
        ids[-1]
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "No data provided"),
        ({"header": _IMPORT_HEADER}, "No data provided"),
        ({"header": _IMPORT_HEADER, "data": []}, "No data provided"),
        ({"data": [["a"]]}, "No header array found"),
        ({"header": "first_name", "data": [["a"]]}, "No header array found"),
    ],
)
async def test_bulk_import_messages(
    body: dict[str, Any], message: str, fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    before = fake.client_ids()
    doc = await get_json(session, fake, "/api/clients", method="POST", json=body)
    assert doc == {"status": "failure", "response": message}
    assert fake.client_ids() == before


async def test_bulk_import_bad_rows_are_reported_and_good_rows_kept(
    fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    before = len(fake.client_ids())
    rows = [
        ["Good", "Row", "active", "", "", "", ""],
        ["Short", "Row"],
        ["", "NoFirstName", "active", "", "", "", ""],
    ]
    doc = await get_json(
        session, fake, "/api/clients", method="POST", json={"header": _IMPORT_HEADER, "data": rows}
    )
    assert doc["status"] == "failure"
    assert doc["response"].startswith("There was an error with 1 or more of the records.")
    assert len(fake.client_ids()) == before + 1


async def test_trial_import_limit(session: aiohttp.ClientSession) -> None:
    async with FakeBizstim(clients=10, trial=True) as fake:
        rows = [["A", "B", "active", "", "", "", ""]] * 4
        doc = await get_json(
            session, fake, "/api/clients", method="POST", json={"header": _IMPORT_HEADER, "data": rows}
        )
        assert doc["response"] == "Trial accounts may only add 3 clients per run or 30 clients an hour"
        assert len(fake.client_ids()) == 10


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_payment_create_for_existing_and_new_client(
    method: str, fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    before = len(fake.records("payments"))
    cid = fake.client_ids()[0]
    body = {"client_id": str(cid), "revenue_amount": "1052.45", "send_email": "0", "revenue_note": "lesson"}
    assert await get_json(session, fake, "/api/payment", method=method, json=body) == _ok(
        "The payment was added successfully."
    )
    payments = fake.records("payments")
    assert len(payments) == before + 1
    new = payments[-1]
    assert (new["client_id"], new["revenue_amount"], new["revenue_note"]) == (str(cid), "1052.45", "lesson")
    assert (await get_json(session, fake, f"/api/payment/{new['id']}"))["response"] == new
    page = await get_json(session, fake, "/api/payments/0/1")
    assert page["total"] == before + 1
    # Without client_id the new-client fields are required, and a client is created.
    clients = len(fake.client_ids())
    newbie = {"revenue_amount": 20, "send_email": 1, "first_name": "N", "last_name": "B", "state": "ON",
              "country": "CA", "status": "active"}  # fmt: skip
    assert (await get_json(session, fake, "/api/payment", method=method, json=newbie))["status"] == "success"
    assert len(fake.client_ids()) == clients + 1
    assert fake.records("payments")[-1]["client_id"] == str(fake.client_ids()[-1])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"send_email": "0", "client_id": "21"}, "Missing required field(s): revenue_amount"),
        (
            {"revenue_amount": "1,052.45", "send_email": "0", "client_id": "21"},
            "revenue_amount must look like",
        ),
        ({"revenue_amount": "5", "send_email": "0", "client_id": "1"}, "No client found"),
        ({"revenue_amount": "5", "send_email": "0"}, f"{_PAYMENT_RULE} (none of them is set)"),
        (
            {"revenue_amount": "5", "send_email": "0", "first_name": "N", "last_name": "B", "state": " "},
            f"{_PAYMENT_RULE} (missing: state, country, status)",
        ),
        (
            {
                "revenue_amount": "5",
                "send_email": "0",
                "client_id": "",
                "first_name": "N",
                "last_name": "B",
                "state": "ON",
                "country": "CA",
                "status": "sleeping",
            },
            "Invalid status: use active, inactive or prospect",
        ),
    ],
)
async def test_payment_failures(
    body: dict[str, Any], message: str, fake: FakeBizstim, session: aiohttp.ClientSession
) -> None:
    before = fake.records("payments")
    doc = await get_json(session, fake, "/api/payment", method="POST", json=body)
    assert doc["status"] == "failure"
    assert doc["response"].startswith(message)
    assert fake.records("payments") == before


async def test_practitioner_create(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    before = len(fake.records("practitioners"))
    body = {"first_name": "Mark", "last_name": "M", "wage_tier": 1, "state": "ON", "country": "Canada",
            "status": "contactList", "email": "m@example.com"}  # fmt: skip
    assert await get_json(session, fake, "/api/practitioner", method="POST", json=body) == _ok(
        "The practitioner was added successfully."
    )
    page = await get_json(session, fake, f"/api/practitioners/{before}/100")
    assert page["total"] == before + 1
    assert page["response"][0]["email"] == "m@example.com"
    bad = await get_json(
        session, fake, "/api/practitioner", method="POST", json={**body, "status": "retired"}
    )
    assert bad["status"] == "failure"
    assert len(fake.records("practitioners")) == before + 1


async def test_non_object_body_is_a_failure(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    async with session.put(
        f"{fake.url}/api/client/21", data=b"[1, 2", headers={"x-api-key": fake.api_key}
    ) as resp:
        assert (await resp.json())["status"] == "failure"


async def test_form_encoded_update(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    async with session.put(
        f"{fake.url}/api/client/21", data={"city": "Ancaster"}, headers={"x-api-key": fake.api_key}
    ) as resp:
        assert (await resp.json())["status"] == "success"
    client = fake.client(21)
    assert client is not None
    assert client["city"] == "Ancaster"
