"""What a type checker makes of the models, checked by running mypy --strict on small user snippets.

One mypy run checks every snippet (about 2 s, most of it reading msgspec's and the models' stubs), in a
process of its own: mypy changes process-wide state (the GC threshold, the recursion limit) that other tests
rely on.
A line ending in ``# E: <text>`` must get an error containing ``<text>``; every other line must be clean.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

SNIPPETS = {
    "required_fields_are_plain_types": """
        from decimal import Decimal

        from aiobizstim.models import ClientSummary, Discount, PaymentCreate, Testimonial


        def use(c: ClientSummary, d: Discount, p: PaymentCreate, t: Testimonial) -> None:
            cid: int = c.id
            did: int = d.id
            tid: int = t.id
            amount: Decimal = p.revenue_amount
            receipt: bool = p.send_email
            maybe: Decimal | None = d.amount
            print(cid, did, tid, amount, receipt, maybe)
    """,
    "values_typed_as_documented": """
        from decimal import Decimal

        from aiobizstim.models import Client, Discount, Practitioner


        def use(c: Client, d: Discount, p: Practitioner) -> None:
            services: list[int] = d.services or []
            schedules: list[int] = p.avail_id or []
            latitude: Decimal | None = c.latitude
            wrong: list[str] = d.services or []  # E: expression has type "list[int]"
            print(services, schedules, latitude, wrong)
    """,
    "documented_optional_fields_stay_optional": """
        from decimal import Decimal

        from aiobizstim.models import ClientSummary, Discount, StaffProfile


        def use(c: ClientSummary, d: Discount, s: StaffProfile) -> None:
            amount: Decimal = d.amount  # E: expression has type "Decimal | None"
            users: int = c.users_id  # E: expression has type "int | None"
            sid: int = s.id  # E: expression has type "int | None"
            print(amount, users, sid)
    """,
    "write_bodies_need_their_documented_fields": """
        from decimal import Decimal

        from aiobizstim.models import ClientCreate, ClientStatus, PaymentCreate

        ClientCreate(first_name="A", last_name="B", email=["a@x.com"])  # E: Missing named argument "status"
        ClientCreate(
            first_name="A",
            last_name="B",
            email=["a@x.com"],
            status=ClientStatus.ACTIVE,
            state="ON",
            country="CA",
        )
        PaymentCreate(client_id=21, revenue_amount=Decimal("10.00"))  # E: Missing named argument "send_email"
        PaymentCreate(client_id=21, revenue_amount=Decimal("10.00"), send_email=True)
    """,
    "a_client_lookup_takes_exactly_one_selector": """
        from aiobizstim import Bizstim
        from aiobizstim.models import Client


        async def use(bz: Bizstim) -> list[Client]:
            return [
                await bz.clients.get(21),
                await bz.clients.get(id=21, timeout=5.0),
                await bz.clients.get(email="ann@example.org"),
                await bz.clients.get(username="ann"),
                await bz.clients.get(first_name="Ann", last_name="Lee", max_retries=0),
                await bz.clients.get(),  # E: All overload variants of "get" of "Clients" require at least one
                await bz.clients.get(id=21, email="ann@example.org"),  # E: No overload variant of "get"
                await bz.clients.get(first_name="Ann"),  # E: No overload variant of "get"
            ]
    """,
    "iterators_close_in_async_with_and_pages_iterate": """
        from aiobizstim import Bizstim, FanOut, PageIterator, RecordIterator
        from aiobizstim.models import Client, ClientSummary


        async def use(bz: Bizstim) -> list[int]:
            ids = [c.id for c in await bz.clients.list()]  # a Page iterates its records
            it: RecordIterator[ClientSummary]
            async with bz.clients.iter() as it:
                ids += [c.id async for c in it]
            pages: PageIterator[ClientSummary]
            async with bz.clients.iter_pages() as pages:
                async for page in pages:
                    ids += [c.id for c in page]
                token: dict[str, object] = pages.checkpoint()
            print(token)
            details: FanOut[ClientSummary, Client]
            async with bz.clients.iter_details() as details:
                ids += [c.id async for c in details]
            return ids
    """,
}

_EXPECT = re.compile(r"#\s*E:\s*(?P<text>.+?)\s*$")
_NOTE = re.compile(r"^[^:]+\.py:\d+: note: ")
_ERROR = re.compile(r"^(?P<file>[^:]+\.py):(?P<line>\d+): error: (?P<message>.*)$")


def test_snippets_type_check_as_documented(tmp_path: Path) -> None:
    expected: dict[tuple[str, int], str] = {}
    files = []
    for name, code in SNIPPETS.items():
        path = tmp_path / f"{name}.py"
        text = textwrap.dedent(code).lstrip()
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
        for number, line in enumerate(text.splitlines(), start=1):
            if m := _EXPECT.search(line):
                expected[(path.name, number)] = m.group("text")
    config = tmp_path / "mypy.ini"
    # The models under test (this checkout's src/), not an installed copy.
    config.write_text(f"[mypy]\nmypy_path = {SRC}\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "--no-error-summary",
            "--hide-error-context",
            "--no-pretty",
            *files,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    stdout = result.stdout
    assert result.stderr == ""
    errors: dict[tuple[str, int], list[str]] = {}
    for line in stdout.splitlines():
        if _NOTE.match(line):  # the overloads mypy lists under an error
            continue
        m = _ERROR.match(line)
        assert m is not None, stdout
        errors.setdefault((Path(m.group("file")).name, int(m.group("line"))), []).append(m.group("message"))
    unexpected = {where: found for where, found in errors.items() if where not in expected}
    assert unexpected == {}, stdout
    for where, text in expected.items():
        found = errors.get(where, [])
        assert len(found) >= 1, f"{where}: expected an error containing {text!r}\n{stdout}"
        assert any(text in message for message in found), f"{where}: {found}"
