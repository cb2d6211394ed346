"""The seeded clients, in the real API's wire form, rebuilt on demand from ``(seed, id)``.

Clients can number a million, so they are never materialised: the store keeps only the ids in list order (an
``array('q')``, 8 bytes per client), plus the few records that tests created or changed. A client's record is
rebuilt on demand from ``(seed, id)``: a hash of the two picks one of a few hundred pre-built "variants"
(names, address, list formatting quirks) and the id fills in the id-dependent fields.
Building a 1000-record page is a dict copy and a handful of assignments per record.
"""

from __future__ import annotations

import functools
import random
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

import msgspec

from aiobizstim.models import ClientSummary
from aiobizstim.testing._seeded import (
    DEFAULT_COUNTS,
    FIRST_NAMES,
    LAST_NAMES,
    LOREM,
    PLACES,
    STREETS,
    Record,
    comma_list,
    digits,
    mix,
    phone,
    wire_date,
)

__all__ = ["CLIENT_CONTACT_FIELDS", "CLIENT_SUMMARY_FIELDS", "ClientStore"]

_VARIANT_BITS: Final = 9
_VARIANTS: Final = 1 << _VARIANT_BITS
_ID_SLOT: Final = "\x00"  # stands for the client id inside a variant's e-mail template

#: The fields of a client as the list method sends it, by wire name, in the model's order.
CLIENT_SUMMARY_FIELDS: Final = tuple(f.encode_name for f in msgspec.structs.fields(ClientSummary))
#: The summary fields a client is created with (names, address, phones, e-mail); the server assigns the ids.
CLIENT_CONTACT_FIELDS: Final = tuple(
    f for f in CLIENT_SUMMARY_FIELDS if f not in ("id", "users_id", "client_settings_id", "avail_id")
)

_DOMAINS = ("mail.com", "example.com", "example.org", "school.example.edu")
_ZONES = ("America/Toronto", "America/Los_Angeles", "America/New_York", "Europe/London", "")
_CLIENT_STATUS = ("active", "active", "active", "inactive", "prospect")


class _Variant:
    """One pre-built client look: every field that does not depend on the id."""

    __slots__ = ("detail_tail", "email", "id_as_number", "summary", "template", "username")

    def __init__(self, rng: random.Random) -> None:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, state, zipcode, country, area = rng.choice(PLACES)
        local = re.sub(r"[^a-z0-9]", "", f"{first}.{last}".lower().replace(".", "_")) or "client"
        emails = [f"{local}{_ID_SLOT}@{rng.choice(_DOMAINS)}"]
        for _ in range(rng.choice((0, 0, 1, 2))):
            emails.append(f"{local[:6]}{_ID_SLOT}.{len(emails)}@{rng.choice(_DOMAINS)}")
        self.email = "" if rng.random() < 0.02 else comma_list(rng, emails)
        phones = [digits(rng, area) for _ in range(rng.choice((0, 1, 1, 1, 2)))]
        self.username = f"{local.replace('_', '')}{_ID_SLOT}"
        self.id_as_number = rng.random() < 0.03
        avail: Any = str(rng.randint(500, 500 + DEFAULT_COUNTS["availability"] - 1))
        if rng.random() < 0.03:
            avail = int(avail)  # a JSON number where the docs show a string
        self.summary: Record = {
            "id": "",
            "users_id": "",
            "client_settings_id": "",
            "avail_id": avail,
            "first_name": first,
            "last_name": last,
            "address1": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}" if city else "",
            "address2": rng.choice(("", "", "101", "Apt 4", "Suite 2")),
            "city": city,
            "state": state,
            "zipcode": zipcode,
            "country": country,
            "p_phone": phone(rng, area),
            "s_phone": phone(rng, area) if rng.random() < 0.4 else "",
            "text_phone": comma_list(rng, phones),
            "email": "",
        }
        if rng.random() < 0.05:
            self.summary["custom_23"] = rng.choice(("blue", "", "Grade 4"))  # unknown extra field
        self.detail_tail = rng.random() < 0.5  # which spelling of use_records the detail uses
        self.template = self._json_template()

    def _json_template(self) -> tuple[bytes, bytes, bytes, tuple[bytes, ...]]:
        """The summary's JSON bytes cut around its id-dependent values, for :meth:`ClientStore.page_json`.

        ``(a, b, c, rest)``: the record is ``a + id + b + users_id + c + settings_id + id.join(rest)`` (the
        e-mail template holds the id zero or more times), byte-for-byte what msgspec encodes for it.
        """
        rec = dict(self.summary)
        rec.update(id="\x01", users_id="\x02", client_settings_id="\x03", email=self.email)
        text = msgspec.json.encode(rec)
        text = text.replace(b'"\\u0001"' if self.id_as_number else b"\\u0001", b"\x00")
        text = text.replace(b"\\u0002", b"\x00").replace(b"\\u0003", b"\x00").replace(b"\\u0000", b"\x00")
        a, b, c, *rest = text.split(b"\x00")
        return a, b, c, tuple(rest)


@functools.lru_cache(maxsize=16)
def _variants(seed: int) -> tuple[_Variant, ...]:
    """The client looks for ``seed`` (built once per seed per process: many fakes per test run share them)."""
    rng = random.Random(f"clients-{seed}")
    return tuple(_Variant(rng) for _ in range(_VARIANTS))


class ClientStore:
    """The clients: ids in list order plus the records tests added or changed; everything else is derived."""

    def __init__(self, count: int, seed: int) -> None:
        if count < 0:
            raise ValueError(f"clients must be >= 0, got {count}")
        self.seed = seed
        self._variants = _variants(seed)
        self._templates = [v.template for v in self._variants]  # indexed like _variants
        self._salt = mix(seed, 0) & 0xFFFFFFFF
        self._base_count = count
        self._order = array("q", (self.seeded_id(i) for i in range(count)))
        self._deleted: set[int] = set()
        self._added: dict[int, Record] = {}  # full records of clients created through the API or insert()
        self._changes: dict[int, Record] = {}  # partial updates of seeded clients
        self._next_id = self.seeded_id(count) + 7

    @staticmethod
    def seeded_id(index: int) -> int:
        """The id of the seeded client at list position ``index`` (other resources point at clients by it)."""
        # Ascending with a gap every fifth id, like a table that has seen deletions.
        return 21 + index + index // 4

    def _is_base(self, client_id: int) -> bool:
        guess = max(0, (client_id - 21) * 4 // 5)
        return any(i < self._base_count and self.seeded_id(i) == client_id for i in (guess, guess + 1))

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, client_id: int) -> bool:
        if client_id in self._added:
            return True
        return client_id not in self._deleted and self._is_base(client_id)

    def ids(self) -> list[int]:
        """Every client id, in list order."""
        return self._order.tolist()

    def ids_slice(self, start: int, stop: int) -> array[int]:
        """The ids at list positions ``start:stop``."""
        return self._order[start:stop]

    # -- building records -------------------------------------------------------------------------------

    def _variant_index(self, client_id: int) -> int:
        # Multiplicative (Fibonacci) hashing: one multiply, and consecutive ids spread over all variants.
        return ((client_id * 0x9E3779B1 + self._salt) & 0xFFFFFFFF) >> (32 - _VARIANT_BITS)

    def _variant(self, client_id: int) -> _Variant:
        return self._variants[self._variant_index(client_id)]

    def _base_summary(self, client_id: int) -> Record:
        v = self._variant(client_id)
        rec = v.summary.copy()
        sid = str(client_id)
        rec["id"] = client_id if v.id_as_number else sid
        rec["users_id"] = str(client_id * 3 + 600)
        rec["client_settings_id"] = str(client_id + 20)
        rec["email"] = v.email.replace(_ID_SLOT, sid)
        return rec

    def _base_detail(self, client_id: int) -> Record:
        v = self._variant(client_id)
        rng = random.Random(mix(self.seed ^ 0x5EED, client_id))
        rec = self._base_summary(client_id)
        email = rec.pop("email")
        status = rng.choice(_CLIENT_STATUS)
        flags = {
            k: rng.choice("01") for k in ("send_welcome_message", "send_lesson_reminders", "add_session")
        }
        rec.update(
            qb_customer_id=str(rng.randint(0, 900)) if rng.random() < 0.3 else "0",
            latitude=f"{rng.uniform(25, 55):.6f}" if rng.random() < 0.5 else "",
            longitude=f"{rng.uniform(-125, -60):.6f}" if rng.random() < 0.5 else "",
            dob=wire_date(rng, 1950, 2018, blank=0.3),
            status=status,
            inactive_date=wire_date(rng) if status == "inactive" else "0000-00-00",
            inactive_set_date=rng.choice(("0000-00-00", "", "2026-06-30")),
            inactive_reason="Moved away" if status == "inactive" else "",
            inactive_who="Mark Middletown" if status == "inactive" else "",
            funnel_id=str(rng.randint(0, 130)),
            calendar_color=f"#{rng.randrange(1 << 24):06x}",
            start_date=wire_date(rng),
            notes=rng.choice(("", *LOREM)),
            timezone=rng.choice(_ZONES),
            **flags,
            see_practs_information=rng.choice("01"),
            text_reminders=rng.choice("01"),
        )
        rec["user_records" if v.detail_tail else "use_records"] = rng.choice("01")
        rec["session_cancel"] = rng.choice("01")
        rec["ace"] = rng.choice("01")
        rec["hide costs"] = rng.choice("01")
        rec["username"] = v.username.replace(_ID_SLOT, str(client_id))
        rec["email"] = email
        rec["dark"] = rng.choice("01")
        rec["calendar"] = rng.choice("123")
        rec["minTime"] = rng.choice(("08:00:00", "11:30:00", "00:00:00"))
        rec["maxTime"] = rng.choice(("24:00:00", "22:00:00", "24:00:00"))
        rec["slotDuration"] = rng.choice(("00:15:00", "00:30:00"))
        rec["sessionLimit"] = (
            10 if rng.random() < 0.05 else rng.choice(("10", "5"))
        )  # sometimes a JSON number
        rec["cal_length"] = "1200"
        return rec

    def summary(self, client_id: int) -> Record:
        """The client as the list method sends it (caller checks existence)."""
        added = self._added.get(client_id)
        if added is not None:
            return {k: added.get(k, "") for k in CLIENT_SUMMARY_FIELDS}
        rec = self._base_summary(client_id)
        change = self._changes.get(client_id)
        if change:
            for key in rec.keys() & change.keys():
                rec[key] = change[key]
        return rec

    def detail(self, client_id: int) -> Record | None:
        """The full client record, or None when there is no such client."""
        added = self._added.get(client_id)
        if added is not None:
            return dict(added)
        if client_id in self._deleted or not self._is_base(client_id):
            return None
        rec = self._base_detail(client_id)
        change = self._changes.get(client_id)
        if change:
            rec.update(change)
        return rec

    def page(self, start: int, limit: int) -> list[Record]:
        """Summaries of the clients at list positions ``start .. start+limit``."""
        summary = self.summary
        return [summary(i) for i in self._order[start : start + limit]]

    def page_json(self, start: int, limit: int) -> bytes:
        """:meth:`page` encoded as a JSON array: the bytes msgspec would produce for it, ~3x faster."""
        templates, salt, shift = self._templates, self._salt, 32 - _VARIANT_BITS
        touched = self._added.keys() | self._changes.keys()
        encode = msgspec.json.encode
        parts = []
        for i in self._order[start : start + limit]:
            if i in touched:
                parts.append(encode(self.summary(i)))
                continue
            a, b, c, rest = templates[((i * 0x9E3779B1 + salt) & 0xFFFFFFFF) >> shift]
            si = b"%d" % i
            parts.append(a + si + b + b"%d" % (i * 3 + 600) + c + b"%d" % (i + 20) + si.join(rest))
        return b"[" + b",".join(parts) + b"]"

    # -- lookups ----------------------------------------------------------------------------------------

    def _candidates(self, embedded_ids: Iterable[str]) -> Iterator[int]:
        """Clients whose record might hold the value: the touched ones, then the id embedded in the value."""
        yield from self._added
        yield from self._changes
        for d in embedded_ids:
            yield int(d)

    def find_by_email(self, email: str) -> Record | None:
        """The first client whose e-mail list contains ``email`` (case-insensitive)."""
        want = email.strip().lower()
        if not want:
            return None
        for cid in self._candidates(re.findall(r"(\d+)(?:\.\d+)?@", want)):
            rec = self.detail(cid)
            if rec is not None:
                emails = [e.strip().lower() for e in str(rec.get("email", "")).split(",")]
                if want in emails:
                    return rec
        return None

    def find_by_username(self, username: str) -> Record | None:
        """The client with this username (not case sensitive)."""
        want = username.strip().lower()
        if not want:
            return None
        for cid in self._candidates(re.findall(r"(\d+)$", want)):
            rec = self.detail(cid)
            if rec is not None and str(rec.get("username", "")).lower() == want:
                return rec
        return None

    def find_by_name(self, first: str | None, last: str | None) -> Record | None:
        """The first client in list order whose names match the given ones (case-insensitive); a full scan."""
        f = first.strip().lower() if first is not None else None
        la = last.strip().lower() if last is not None else None
        for cid in self._order:
            rec = self.summary(cid)
            if (f is None or str(rec["first_name"]).lower() == f) and (
                la is None or str(rec["last_name"]).lower() == la
            ):
                return self.detail(cid)
        return None

    # -- writes -----------------------------------------------------------------------------------------

    def update(self, client_id: int, fields: Mapping[str, Any]) -> bool:
        """Apply a partial update; False when there is no such client."""
        if client_id not in self:
            return False
        if client_id in self._added:
            self._added[client_id].update(fields)
        else:
            self._changes.setdefault(client_id, {}).update(fields)
        return True

    def add(self, fields: Mapping[str, Any], *, at: int | None = None) -> int:
        """Create a client from wire-form fields at list position ``at`` (None: the end); returns its id."""
        cid = self._next_id
        self._next_id += 1
        rec: Record = {k: "" for k in CLIENT_SUMMARY_FIELDS}
        rec.update(id=str(cid), users_id=str(cid * 3 + 600), client_settings_id=str(cid + 20), avail_id="0")
        rec.update({k: v for k, v in fields.items() if k not in ("id", "password", "password2")})
        rec.setdefault("username", "")
        self._added[cid] = rec
        if at is None or at >= len(self._order):
            self._order.append(cid)
        else:
            self._order.insert(max(0, at), cid)
        return cid

    def insert(self, count: int, *, at: int | None = None) -> list[int]:
        """Create ``count`` generated clients at list position ``at`` (None: the end); returns their ids."""
        rng = random.Random(mix(self.seed, self._next_id))
        new = []
        for n in range(count):
            v = self._variants[rng.randrange(_VARIANTS)]
            fields = {k: v.summary[k] for k in CLIENT_CONTACT_FIELDS if k != "email"}
            fields["status"] = "active"
            pos = None if at is None else at + n
            cid = self.add(fields, at=pos)
            self._added[cid]["email"] = f"new{cid}@example.com"
            self._added[cid]["username"] = f"new{cid}"
            new.append(cid)
        return new

    def delete(self, ids: Iterable[int]) -> int:
        """Remove these clients; returns how many existed."""
        gone = {i for i in ids if i in self}
        if not gone:
            return 0
        self._order = array("q", (i for i in self._order if i not in gone))
        for cid in gone:
            if self._added.pop(cid, None) is None:
                self._deleted.add(cid)
                self._changes.pop(cid, None)
        return len(gone)
