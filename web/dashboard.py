"""The supervisors' dashboard routes (login, live counters, actions): issue 18's second half.

Its routes are added to the app by build_app(); each takes the shared Site (node,
templates, config).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from web.app import Site


def routes(site: Site) -> list[BaseRoute]:
    """The dashboard's routes, mounted beside the public pages (none yet)."""
    return []
