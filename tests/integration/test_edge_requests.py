"""Requests the client must not send, and messages it must keep bounded."""

from __future__ import annotations

import pytest

from aiobizstim import Bizstim
from aiobizstim._envelope import decode_text
from aiobizstim.errors import APIResponseError
from aiobizstim.models import ClientUpdate
from aiobizstim.testing import FakeBizstim


async def test_an_update_without_fields_is_refused_before_any_request(
    fake_bizstim: FakeBizstim, bizstim_client: Bizstim
) -> None:
    fake_bizstim.reset_stats()
    with pytest.raises(ValueError, match="nothing to send"):
        await bizstim_client.clients.update(fake_bizstim.client_ids()[0])
    with pytest.raises(ValueError, match="nothing to send"):
        await bizstim_client.clients.update(fake_bizstim.client_ids()[0], ClientUpdate())
    assert fake_bizstim.requests == []


async def test_no_page_is_requested_that_could_only_repeat_the_overlap() -> None:
    # 197 records in pages of 100 overlapping by 2: pages at 0 and 98 cover everything; a page at 196
    # would hold only record 196, which the page at 98 already has.
    async with (
        FakeBizstim(clients=197, seed=3) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url) as bz,
    ):
        ids = [c.id async for c in bz.clients.iter(page_size=100)]
        pages = [r for r in fake.requests if r.path.startswith("/api/clients/")]
    assert ids == fake.client_ids()
    assert [r.path for r in pages] == ["/api/clients/0/100", "/api/clients/98/100"]


def test_a_failure_message_is_quoted_in_bounded_length() -> None:
    body = b'{"status": "failure", "response": "' + b"x" * 20_000 + b'"}'
    with pytest.raises(APIResponseError) as info:
        decode_text(body)
    assert 0 < len(info.value.message) <= 500
