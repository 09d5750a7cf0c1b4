"""What a refused request looks like to the user.

Since issue 15 an account whose last membership has ended is logged out at its next request
(``core.middleware.LoginPolicyMiddleware``): a page answers with the login page, the API with
a 401 problem body. Tests of "an ended membership is refused" accept that as well as the guard's
own 403/404 — either way nothing is shown or written.
"""

from __future__ import annotations

from typing import Any


def logged_out(response: Any) -> bool:
    if response.status_code == 302:
        return str(response["Location"]).startswith("/log-ind/")
    return response.status_code == 401 and "Ikke logget ind" in response.content.decode()


def refused(response: Any, *statuses: int) -> bool:
    """The answer is one of ``statuses`` (default 403 and 404), or the user was logged out."""
    return response.status_code in (statuses or (403, 404)) or logged_out(response)
