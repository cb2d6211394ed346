"""The seeded data store on its own: fast page rendering matches msgspec, ids, drift bookkeeping, fields."""

from __future__ import annotations

import msgspec
import pytest

from aiobizstim.models import ClientSummary
from aiobizstim.testing._clients import ClientStore
from aiobizstim.testing._dataset import Dataset


@pytest.mark.parametrize("seed", [0, 1, 99])
def test_page_json_is_exactly_msgspecs_encoding(seed: int) -> None:
    store = ClientStore(20_000, seed)
    for start in (0, 7_000, 19_500, 20_000):
        assert store.page_json(start, 1000) == msgspec.json.encode(store.page(start, 1000))
    ids = store.ids()
    store.update(ids[3], {"city": '100% "quoted" \\ city', "email": "x@example.com"})
    store.insert(2, at=1)
    store.delete([ids[10]])
    store.add({"first_name": "Zoë", "last_name": "Ünal"})
    for start in (0, 19_000):
        assert store.page_json(start, 1000) == msgspec.json.encode(store.page(start, 1000))


def test_ids_are_ascending_with_gaps_and_membership_is_exact() -> None:
    store = ClientStore(1000, 0)
    ids = store.ids()
    assert ids == sorted(ids)
    assert len(set(ids)) == 1000
    assert ids[-1] - ids[0] > 1000  # gaps, like a table that has seen deletions
    members = set(ids)
    for candidate in range(0, ids[-1] + 50):
        assert (candidate in store) == (candidate in members)


def test_deleted_and_changed_clients() -> None:
    store = ClientStore(50, 0)
    first = store.ids()[0]
    assert store.update(first, {"city": "Dundas"})
    assert store.summary(first)["city"] == "Dundas"
    assert store.delete([first, first]) == 1
    assert first not in store
    assert store.detail(first) is None
    assert not store.update(first, {"city": "X"})
    assert store.find_by_username(f"whatever{first}") is None


def test_counts_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown resource"):
        Dataset(1, 0, {"widgets": 3})
    with pytest.raises(ValueError, match=">= 0"):
        Dataset(1, 0, {"payments": -1})
    with pytest.raises(ValueError, match=">= 0"):
        ClientStore(-1, 0)
    assert len(Dataset(1, 0, {"payments": 3}).tables["payments"]) == 3


def test_client_summaries_have_exactly_the_models_fields() -> None:
    """Every summary the fake sends (seeded, changed, added, inserted) has the model's wire fields, in order.

    The one deliberate exception is the unknown-extra-field quirk (``custom_<n>`` on a few seeded variants).
    """
    wire_names = [f.encode_name for f in msgspec.structs.fields(ClientSummary)]
    store = ClientStore(5_000, 3)  # ~10 clients per variant: every variant is seen
    ids = store.ids()
    store.update(ids[0], {"city": "Dundas", "status": "inactive"})
    store.add({"first_name": "Zoë", "last_name": "Ünal", "status": "active"})
    store.insert(3, at=2)
    page = store.page(0, len(store))
    assert len(page) == 5_004
    extras = set()
    for rec in page:
        assert [k for k in rec if not k.startswith("custom_")] == wire_names
        extras |= rec.keys() - set(wire_names)
    assert extras == {"custom_23"}
