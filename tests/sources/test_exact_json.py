"""Every client reads integers past 64 bits exactly, not only Wootric's (the shared reader)."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.standins import serve
from workbench.sources.http import ApiClient

HUGE = 18446744073709551617  # 2**64 + 1


def long_integers_app() -> Starlette:
    async def read(_request: Request) -> Response:
        body = f'{{"data": {{"id": {HUGE}, "small": 7, "score": 9.5}}}}'
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/v1/things", read)])


async def test_an_integer_past_64_bits_comes_back_exact_from_any_client() -> None:
    with serve(long_integers_app()) as url:
        async with ApiClient(account="acme", base_url=url, auth=None) as api:
            body = await asyncio.wait_for(api.get("v1/things"), 30)
    assert body == {"data": {"id": HUGE, "small": 7, "score": 9.5}}
    assert isinstance(body["data"]["id"], int)
