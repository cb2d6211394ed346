"""Peer: a Singer tap for Bizstim's clients built with singer-sdk's ``RESTStream``, as a user would write it.

Run inside the bench's singer-sdk venv: ``python singer_tap.py --config CONFIG`` (``{"api_url": ...,
"api_key": ...}``); the Singer messages go to stdout. Bizstim puts the offset in the path
(``/api/clients/{start}/{limit}``): the request for each page is rewritten from the paginator's offset.
Everything else is singer-sdk's defaults (records validated against the schema, JSONPath extraction).
"""

from __future__ import annotations

from typing import Any

import requests
from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.pagination import OffsetPaginator
from singer_sdk.streams import RESTStream
from singer_sdk.streams.rest import HTTPRequest, PageContext

PAGE = 1000
FIELDS = (
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

#: Bizstim sends some ids as numbers, most as strings (a target that validates refuses a string-only schema).
NUMERIC_ID = th.CustomType({"type": ["string", "integer", "null"]})


class TotalOffsetPaginator(OffsetPaginator):
    """The next offset while the envelope's ``total`` says more records follow."""

    def has_more(self, response: requests.Response) -> bool:
        total = int(response.json()["total"])
        return bool(self.current_value + self.page_size < total)


class ClientsStream(RESTStream[int]):
    name = "clients"
    path = "/api/clients"
    primary_keys = ("id",)
    records_jsonpath = "$.response[*]"
    schema = th.PropertiesList(
        *(th.Property(f, NUMERIC_ID if f in ("id", "avail_id") else th.StringType) for f in FIELDS)
    ).to_dict()

    @property
    def url_base(self) -> str:
        return str(self.config["api_url"]).rstrip("/")

    @property
    def http_headers(self) -> dict[str, Any]:
        return {"x-api-key": self.config["api_key"]}

    def get_new_paginator(self) -> TotalOffsetPaginator:
        return TotalOffsetPaginator(start_value=0, page_size=PAGE)

    def get_http_request(self, *, page: PageContext[int]) -> HTTPRequest:
        request = super().get_http_request(page=page)
        request.url = f"{request.url}/{page.next_page_token or 0}/{PAGE}"
        return request


class TapBizstimPeer(Tap):
    name = "tap-bizstim-peer"
    config_jsonschema = th.PropertiesList(
        th.Property("api_url", th.StringType, required=True),
        th.Property("api_key", th.StringType, required=True, secret=True),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        return [ClientsStream(self)]


if __name__ == "__main__":
    TapBizstimPeer.cli()
