"""Peer: dlt's generic ``rest_api`` source loading every client into DuckDB, as a user would write it.

Run inside the bench's dlt venv: ``python dlt_rest_api.py URL DATABASE [LOADER_FILE_FORMAT]`` (key in
``$PEER_API_KEY``). Bizstim puts the offset in the path (``/api/clients/{start}/{limit}``), which none of
dlt's paginators does: hence the small subclass. Everything else is dlt's defaults unless a loader file
format is given (``parquet``: dlt's fastest way into DuckDB).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import dlt
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from dlt.sources.rest_api import rest_api_source
from requests import Request, Response

PAGE = 1000
DATA = "response"  # the envelope's list of records


class PathOffsetPaginator(BasePaginator):
    """``.../{offset}/{limit}`` at the end of the path; stops at the first short page."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.offset = 0

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        self.offset += self.limit
        self._has_next_page = data is not None and len(data) == self.limit

    def update_request(self, request: Request) -> None:
        assert isinstance(request.url, str)
        base = request.url.rstrip("/").rsplit("/", 2)[0]
        request.url = f"{base}/{self.offset}/{self.limit}"


def main(argv: list[str]) -> int:
    url, database, *fmt = argv
    source = rest_api_source(
        {
            "client": {
                "base_url": url,
                "headers": {"x-api-key": os.environ["PEER_API_KEY"]},
                "paginator": PathOffsetPaginator(PAGE),
            },
            "resources": [
                {"name": "clients", "endpoint": {"path": f"api/clients/0/{PAGE}", "data_selector": DATA}}
            ],
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name="bizstim_peer", destination=dlt.destinations.duckdb(database), dataset_name="bizstim"
    )
    info = pipeline.run(source, loader_file_format=fmt[0] if fmt else None)  # type: ignore[arg-type]
    info.raise_on_failed_jobs()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
