"""Seeded, deterministic records for every resource the fake serves, in the real API's wire form.

Clients can number a million, so they are never materialised: the store keeps only the ids in list order (an
``array('q')``, 8 bytes per client), plus the few records that tests created or changed. A client's record is
rebuilt on demand from ``(seed, id)``: a hash of the two picks one of a few hundred pre-built "variants"
(names, address, list formatting quirks) and the id fills in the id-dependent fields.
Building a 1000-record page is a dict copy and a handful of assignments per record.

The other resources are small (tens to a few thousand records) and are generated once, as plain dicts.
Every value is a JSON string, as on the real wire, except where a quirk says otherwise.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import random
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

import msgspec

__all__ = ["CLIENT_SUMMARY_FIELDS", "DEFAULT_COUNTS", "ClientStore", "Dataset", "ondemand_link"]

Record = dict[str, Any]

_MASK: Final = (1 << 64) - 1
_VARIANT_BITS: Final = 9
_VARIANTS: Final = 1 << _VARIANT_BITS
_ID_SLOT: Final = "\x00"  # stands for the client id inside a variant's e-mail template

CLIENT_SUMMARY_FIELDS: Final = (
    "id",
    "users_id",
    "client_settings_id",
    "avail_id",
    "first_name",
    "last_name",
    "address1",
    "address2",
    "city",
    "state",
    "zipcode",
    "country",
    "p_phone",
    "s_phone",
    "text_phone",
    "email",
)

#: How many records of each small resource a fake holds unless told otherwise.
DEFAULT_COUNTS: Final[Mapping[str, int]] = {
    "services": 45,
    "discounts": 30,
    "sessions": 450,
    "payments": 175,
    "practitioners": 25,
    "locations": 18,
    "staffs": 7,
    "meetourstaff": 7,
    "testimonials": 12,
    "availability": 40,
}

_FIRST = (
    "Joe", "Beth", "Susan", "Mark", "jennifer", "Ana", "Łukasz", "Zoë", "Omar", "Priya", "Chen", "Olivia",
    "Liam", "Noah", "Emma", "Mia", "Lucas", "Sofia", "Mateo", "Aroha", "José", "Fatima", "Ivan", "Grace",
    "O'Neil", "Mary-Jane", "Kai", "Yuki", "André", "Nadia",
)  # fmt: skip
_LAST = (
    "Smith", "Adder", "Middletown", "Billings", "Nguyen", "García", "Müller", "O'Brien", "Kowalski", "Patel",
    "Wong", "Da Silva", "Johnson", "Brown", "Tremblay", "Roy", "Gagnon", "Singh", "Lee", "Martin", "Dubois",
    "van der Berg", "Schmidt", "Rossi",
)  # fmt: skip
_STREETS = ("New Street East", "Main Street West", "Easy Street", "King St", "Queen Street", "Elm Ave")
_PLACES = (
    ("Milton", "Ontario", "L7D 5S2", "Canada", "905"),
    ("Hamilton", "Ontario", "L8R 2M6", "Canada", "905"),
    ("Toronto", "ON", "M5V 2T6", "Canada", "416"),
    ("Montréal", "Québec", "H2X 1Y4", "Canada", "514"),
    ("Austin", "TX", "78701", "USA", "512"),
    ("Portland", "Oregon", "97205", "United States", "503"),
    ("", "", "", "", "905"),
)
_DOMAINS = ("mail.com", "example.com", "example.org", "school.example.edu")
_ZONES = ("America/Toronto", "America/Los_Angeles", "America/New_York", "Europe/London", "")
_CLIENT_STATUS = ("active", "active", "active", "inactive", "prospect")
_LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "Curabitur posuere neque non quam hendrerit ornare.",
    'Mauris ut molestie lorem & "quoted" text.',
    "Aenean varius magna in vehicula ultrices.",
    "Nullam euismod consequat erat, ut vestibulum purus.",
)


def _mix(seed: int, n: int) -> int:
    """A well-spread 64-bit hash of ``(seed, n)`` (splitmix64 finaliser)."""
    z = (n * 0x9E3779B97F4A7C15 + (seed + 1) * 0xD1B54A32D192ED03) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _phone(rng: random.Random, area: str) -> str:
    return f"({area}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def _digits(rng: random.Random, area: str) -> str:
    return f"1{area}{rng.randint(2000000, 9999999)}"


def _date(rng: random.Random, lo: int = 2015, hi: int = 2026, blank: float = 0.15) -> str:
    """A ``YYYY-MM-DD`` string, or now and then the PHP/MySQL "no date" forms."""
    r = rng.random()
    if r < blank / 2:
        return "0000-00-00"
    if r < blank:
        return ""
    return f"{rng.randint(lo, hi)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _comma_list(rng: random.Random, items: list[str]) -> str:
    """Join ``items`` the ways the real API does: with or without spaces, sometimes a trailing comma."""
    style = rng.random()
    text = ", ".join(items) if style < 0.35 else ",".join(items)
    if items and style > 0.9:
        text += ","
    return text


class _Variant:
    """One pre-built client look: every field that does not depend on the id."""

    __slots__ = ("detail_tail", "email", "id_as_number", "summary", "template", "username")

    def __init__(self, rng: random.Random) -> None:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        city, state, zipcode, country, area = rng.choice(_PLACES)
        local = re.sub(r"[^a-z0-9]", "", f"{first}.{last}".lower().replace(".", "_")) or "client"
        emails = [f"{local}{_ID_SLOT}@{rng.choice(_DOMAINS)}"]
        for _ in range(rng.choice((0, 0, 1, 2))):
            emails.append(f"{local[:6]}{_ID_SLOT}.{len(emails)}@{rng.choice(_DOMAINS)}")
        self.email = "" if rng.random() < 0.02 else _comma_list(rng, emails)
        phones = [_digits(rng, area) for _ in range(rng.choice((0, 1, 1, 1, 2)))]
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
            "address1": f"{rng.randint(1, 9999)} {rng.choice(_STREETS)}" if city else "",
            "address2": rng.choice(("", "", "101", "Apt 4", "Suite 2")),
            "city": city,
            "state": state,
            "zipcode": zipcode,
            "country": country,
            "p_phone": _phone(rng, area),
            "s_phone": _phone(rng, area) if rng.random() < 0.4 else "",
            "text_phone": _comma_list(rng, phones),
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
        self._salt = _mix(seed, 0) & 0xFFFFFFFF
        self._base_count = count
        self._order = array("q", (self._base_id(i) for i in range(count)))
        self._deleted: set[int] = set()
        self._added: dict[int, Record] = {}  # full records of clients created through the API or insert()
        self._changes: dict[int, Record] = {}  # partial updates of seeded clients
        self._next_id = self._base_id(count) + 7

    @staticmethod
    def _base_id(index: int) -> int:
        # Ascending with a gap every fifth id, like a table that has seen deletions.
        return 21 + index + index // 4

    def _is_base(self, client_id: int) -> bool:
        guess = max(0, (client_id - 21) * 4 // 5)
        return any(i < self._base_count and self._base_id(i) == client_id for i in (guess, guess + 1))

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
        rng = random.Random(_mix(self.seed ^ 0x5EED, client_id))
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
            dob=_date(rng, 1950, 2018, blank=0.3),
            status=status,
            inactive_date=_date(rng) if status == "inactive" else "0000-00-00",
            inactive_set_date=rng.choice(("0000-00-00", "", "2026-06-30")),
            inactive_reason="Moved away" if status == "inactive" else "",
            inactive_who="Mark Middletown" if status == "inactive" else "",
            funnel_id=str(rng.randint(0, 130)),
            calendar_color=f"#{rng.randrange(1 << 24):06x}",
            start_date=_date(rng),
            notes=rng.choice(("", *_LOREM)),
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

    def _candidates(self, digits: Iterable[str]) -> Iterator[int]:
        """Clients whose record might hold the value: the touched ones, then the id embedded in the value."""
        yield from self._added
        yield from self._changes
        for d in digits:
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
        rng = random.Random(_mix(self.seed, self._next_id))
        new = []
        for n in range(count):
            v = self._variants[rng.randrange(_VARIANTS)]
            fields = {k: v.summary[k] for k in CLIENT_SUMMARY_FIELDS[4:15]}
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


def ondemand_link(seed: int, identifier: str, primary: int, secondary: int) -> str:
    """The opaque "encrypted" on-demand URL for an identifier and agent pair (deterministic per seed)."""
    token = hashlib.sha256(f"{seed}|{identifier}|{primary}|{secondary}".encode()).hexdigest()[:48]
    return f"http://www.bizstim.com/ondemand/company/{token}"


# -- the small resources ----------------------------------------------------------------------------------


def _services(rng: random.Random, n: int) -> list[Record]:
    out = []
    for i in range(n):
        lo = rng.choice((30, 45, 60, 60, 90))
        out.append(
            {
                "id": str(19 + i),
                "group_id": str(rng.randint(1, 15)),
                "group_num": str(rng.choice((1, 5, 10, 20))),
                "service_description": rng.choice(
                    ("Calculus Preparation", "Piano", "Reading Club", "Física")
                ),
                "service_cost": f"{rng.randint(10, 120)}.{rng.choice(('00', '50', '99'))}",
                "service_default_wage": f"{rng.randint(10, 60)}.00",
                "service_taxable": rng.choice("01"),
                "service_type": rng.choice("01"),
                "service_status": rng.choice("0112"),
                "online_booking": rng.choice("01"),
                "min_duration": str(lo),
                "max_duration": str(lo + rng.choice((0, 0, 30))),
                "start_interval": rng.choice("012"),
                "name": rng.choice(("Gold Tutoring Plan (20 hours)", "Single lesson", "", "Starter pack")),
            }
        )
    return out


def _discounts(rng: random.Random, n: int, services: int) -> list[Record]:
    out = []
    for i in range(n):
        pct = rng.choice((5, 10, 15, 25))
        fixed = rng.choice("01")
        sids = [str(19 + rng.randrange(max(services, 1))) for _ in range(rng.choice((0, 0, 1, 3)))]
        out.append(
            {
                "id": str(12 + i),
                "uses": str(rng.choice((0, 0, 1, 3))),
                "secret": rng.choice("01"),
                "expires": _date(rng, 2020, 2028, blank=0.3),
                "code": f"{pct}%{rng.choice(('OFF', 'CRED'))}{i}" if fixed == "0" else f"SAVE{pct}-{i}",
                "fixed": fixed,
                "type": rng.choice("01"),
                "amount": f"{pct}.00" if rng.random() > 0.05 else pct,  # sometimes a JSON number
                "services": _comma_list(rng, sids),
            }
        )
    return out


def _sessions(rng: random.Random, n: int, clients: int) -> list[Record]:
    out = []
    for i in range(n):
        multi = rng.random() < 0.2
        cancels = [f"{rng.randint(21, 900)}|{rng.randint(2000, 3000)}|{rng.randint(470000, 480000)}"]
        out.append(
            {
                "id": str(479000 + i),
                "confirmed": rng.choice("01"),
                "multi": "1" if multi else "0",
                "slots": str(rng.randint(2, 12) if multi else 1),
                "class_id": str(rng.randint(1, 40)) if multi else "0",
                "display": rng.choice("01"),
                "pract_d": str(81 + rng.randrange(25)),
                "wage_id": str(rng.randint(1000, 9000)),
                "client_id": str(ClientStore._base_id(rng.randrange(max(clients, 1)))),
                "client_due_id": str(rng.randint(2000, 3000)),
                "cancel_clients": ",".join(cancels * rng.choice((1, 2)))
                if multi and rng.random() < 0.5
                else "",
                "temp": "0" if rng.random() < 0.9 else str(479000 + rng.randrange(max(i, 1))),
                "service_id": str(19 + rng.randrange(45)),
                "location_id": str(19 + rng.randrange(18)),
                "recurr_id": str(rng.randint(0, 500)),
                "recurr_on": rng.choice("01"),
                "qb_invoice_id": rng.choice(("", "0", str(rng.randint(100, 999)))),
                "session_status": rng.choice("01"),
                "session_date": _date(rng, 2021, 2026, blank=0.0),  # past the truncation: undocumented extras
                "start_time": f"{rng.randint(8, 20):02d}:{rng.choice(('00', '30'))}:00",
                "duration": str(rng.choice((30, 60, 90))),
            }
        )
    return out


def _payments(rng: random.Random, n: int, clients: int) -> list[Record]:
    return [
        {
            "id": str(61 + i),
            "client_id": str(ClientStore._base_id(rng.randrange(max(clients, 1)))),
            "qb_payment_id": rng.choice(("0", "0", str(rng.randint(1, 999)))),
            "revenue_amount": f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}",
            "revenue_tax": "0.00",
            "revenue_date": _date(rng, 2020, 2026, blank=0.05),
            "revenue_credit": rng.choice("0000123"),
            "revenue_note": rng.choice(("", "", "cash", "Paid by e-transfer, thanks!")),
        }
        for i in range(n)
    ]


def _person(rng: random.Random) -> Record:
    city, state, zipcode, country, area = rng.choice(_PLACES)
    return {
        "first_name": rng.choice(_FIRST),
        "last_name": rng.choice(_LAST),
        "address1": f"{rng.randint(1, 999)} {rng.choice(_STREETS)}",
        "address2": rng.choice(("", "201", "501")),
        "city": city,
        "state": state,
        "zipcode": zipcode,
        "country": country,
        "p_phone": _phone(rng, area),
        "s_phone": _phone(rng, area) if rng.random() < 0.5 else "",
    }


def _practitioners(rng: random.Random, n: int) -> list[Record]:
    out = []
    for i in range(n):
        person = _person(rng)
        avail = [str(rng.randint(500, 539)) for _ in range(rng.choice((1, 1, 3)))]
        name = f"{person['first_name']}.{person['last_name']}".lower().replace(" ", "")
        out.append(
            {
                "id": str(81 + i),
                "pract_settings_id": str(125 + i),
                "users_id": str(176 + i * 7),
                "avail_id": _comma_list(rng, avail),
                **person,
                "text_phone": _comma_list(rng, [_digits(rng, "905") for _ in range(rng.choice((0, 1, 2)))]),
                "email": _comma_list(rng, [f"{name}{i}@example.com", f"p{i}@mail.com"][: rng.choice((1, 2))]),
            }
        )
    return out


def _locations(rng: random.Random, n: int, practitioners: int) -> list[Record]:
    out = []
    for i in range(n):
        person = _person(rng)
        booking = rng.choice("01")
        practs: Any = ""
        if booking == "1":
            practs = [str(81 + rng.randrange(max(practitioners, 1))) for _ in range(rng.randint(0, 3))]
        out.append(
            {
                "id": str(19 + i),
                "location_status": rng.choice("0112"),
                "location_name": rng.choice(("TestLocation", "Main Campus", "Online", "Annex — 2nd floor")),
                "location_address": person["address1"] if rng.random() < 0.7 else "",
                "location_zipcode": person["zipcode"],
                "location_city": person["city"],
                "location_state": person["state"],
                "location_country": person["country"],
                "location_p_phone": person["p_phone"],
                "location_s_phone": person["s_phone"],
                "location_email": rng.choice(("", f"loc{i}@example.com")),
                "online_booking": booking,
                "practs": practs,
            }
        )
    return out


def _staffs(rng: random.Random, n: int) -> list[Record]:
    return [
        {
            "id": str(31 + i),
            "users_id": str(5290 + i),
            "staff_settings_id": str(35 + i),
            **_person(rng),
            "text_phone": _digits(rng, "905") if rng.random() < 0.8 else "",
        }
        for i in range(n)
    ]


def _meetourstaff(rng: random.Random, n: int) -> list[Record]:
    # The documented field table is truncated; these are a plausible public-profile shape.
    return [
        {
            "id": str(31 + i),
            "users_id": str(5290 + i),
            "first_name": rng.choice(_FIRST),
            "last_name": rng.choice(_LAST),
            "title": rng.choice(("Tutor", "Director", "")),
            "bio": f"<p>{rng.choice(_LOREM)}</p>",
            "image": rng.choice(("", f"https://www.bizstim.com/uploads/staff/{31 + i}.jpg")),
        }
        for i in range(n)
    ]


def _testimonials(rng: random.Random, n: int) -> list[Record]:
    return [
        {
            "id": str(54 + i * 3),
            "first_name": rng.choice(_FIRST),
            "last_name": rng.choice(_LAST),
            "testimonial": "<p>" + "\n                    ".join(rng.sample(_LOREM, 3)) + "</p>",
        }
        for i in range(n)
    ]


def _availability(rng: random.Random, n: int) -> list[Record]:
    out = []
    for i in range(n):
        rec: Record = {
            "id": str(500 + i),
            "label": "Default" if i % 3 == 0 else rng.choice(("Summer", "Alt schedule", "Weekends")),
            "start": _date(rng, 2019, 2024, blank=0.1),
            "end": _date(rng, 2024, 2027, blank=0.1),
        }
        for day in ("m", "t", "w", "r", "f", "sat", "sun"):
            lo = rng.randint(6, 14)
            rec[f"{day}Availf"] = f"{lo:02d}:{rng.choice(('00', '30'))}"
            rec[f"{day}Availt"] = rng.choice(
                ("24:00", f"{rng.randint(lo + 1, 23):02d}:{rng.choice(('00', '31'))}")
            )
        out.append(rec)
    return out


@functools.lru_cache(maxsize=16)
def _tables(seed: int, clients: int, counts: tuple[tuple[str, int], ...]) -> dict[str, list[Record]]:
    """The small resources for one seed (cached; callers copy before changing anything)."""
    wanted = dict(counts)

    def rng(name: str) -> random.Random:
        return random.Random(f"{name}-{seed}")

    return {
        "services": _services(rng("services"), wanted["services"]),
        "discounts": _discounts(rng("discounts"), wanted["discounts"], wanted["services"]),
        "sessions": _sessions(rng("sessions"), wanted["sessions"], clients),
        "payments": _payments(rng("payments"), wanted["payments"], clients),
        "practitioners": _practitioners(rng("practitioners"), wanted["practitioners"]),
        "locations": _locations(rng("locations"), wanted["locations"], wanted["practitioners"]),
        "staffs": _staffs(rng("staffs"), wanted["staffs"]),
        "meetourstaff": _meetourstaff(rng("meetourstaff"), wanted["meetourstaff"]),
        "testimonials": _testimonials(rng("testimonials"), wanted["testimonials"]),
        "availability": _availability(rng("availability"), wanted["availability"]),
    }


class Dataset:
    """Everything one fake serves: the client store and the small resources, all derived from one seed."""

    def __init__(self, clients: int, seed: int, counts: Mapping[str, int] | None = None) -> None:
        wanted = dict(DEFAULT_COUNTS)
        for name, n in (counts or {}).items():
            if name not in DEFAULT_COUNTS:
                raise ValueError(f"unknown resource {name!r} in counts; known: {', '.join(DEFAULT_COUNTS)}")
            if n < 0:
                raise ValueError(f"counts[{name!r}] must be >= 0, got {n}")
            wanted[name] = n
        self.seed = seed
        self.clients = ClientStore(clients, seed)
        # Each fake gets its own copy of the rows: writes append to them.
        self.tables = {
            name: [dict(row) for row in rows]
            for name, rows in _tables(seed, clients, tuple(sorted(wanted.items()))).items()
        }

    def find(self, table: str, record_id: str) -> Record | None:
        """The record of ``table`` whose id is ``record_id`` (ids are sorted, so a binary search)."""
        rows = self.tables[table]
        if not record_id.isdigit():
            return None
        want = int(record_id)
        i = bisect.bisect_left(rows, want, key=lambda r: int(r["id"]))
        if i < len(rows) and int(rows[i]["id"]) == want:
            return rows[i]
        return None

    def append(self, table: str, fields: Mapping[str, Any]) -> str:
        """Add a record to ``table`` with the next free id; returns that id."""
        rows = self.tables[table]
        new_id = str(int(rows[-1]["id"]) + 1 if rows else 1)
        rows.append({"id": new_id, **fields})
        return new_id
