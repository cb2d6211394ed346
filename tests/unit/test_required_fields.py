"""A record without a required field (its id) is a decode error at its path: raised, or skipped."""

from __future__ import annotations

import logging

import pytest

from aiobizstim import Bizstim, DecodeError
from tests.unit._aioresponses_shim import MockedAPI
from tests.unit.conftest import BASE, requests_sent


async def test_a_record_without_id_raises_or_is_skipped(
    api: MockedAPI, bz: Bizstim, caplog: pytest.LogCaptureFixture
) -> None:
    body = {
        "status": "success",
        "total": 5,
        "response": [{"id": "1"}, {"id": "2"}, {"id": "3"}, {"code": "NOID"}, {"id": "5"}],
    }
    api.get(f"{BASE}/api/discounts/0/100", payload=body, repeat=True)
    with pytest.raises(DecodeError) as info:
        [d async for d in bz.discounts.iter()]
    assert info.value.path == "$.response[3].id"
    caplog.set_level(logging.WARNING, logger="aiobizstim")
    got = [d.id async for d in bz.discounts.iter(on_decode_error="skip")]
    assert got == [1, 2, 3, 5]
    assert bz.stats.skipped_records == 1
    assert "$.response[3].id" in caplog.text


async def test_a_write_without_its_documented_required_fields_fails_before_any_request(
    api: MockedAPI, bz: Bizstim
) -> None:
    with pytest.raises(TypeError, match=r"ClientCreate: Missing required argument 'status'"):
        await bz.clients.add(first_name="Ann", last_name="Lee", email=["a@x.com"])
    with pytest.raises(TypeError, match=r"PaymentCreate: Missing required argument 'send_email'"):
        await bz.payments.create(client_id=21, revenue_amount="10.00")
    assert requests_sent(api) == 0
