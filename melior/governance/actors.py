"""Who is acting, for the access log: the request being served (so a role changed from any
page, through a model signal, is logged with the signed-in user and their address), or the
`melior` command (signed with the operating-system account that ran it)."""

import contextvars
import getpass

CURRENT_REQUEST = contextvars.ContextVar("melior_current_request", default=None)
COMMAND_LINE_ACTOR = contextvars.ContextVar("melior_command_line_actor", default="")


class CurrentRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = CURRENT_REQUEST.set(request)
        try:
            return self.get_response(request)
        finally:
            CURRENT_REQUEST.reset(token)


def acting_from_command_line() -> contextvars.Token:
    """Sign what the `melior` command writes to the access log with the account that ran it;
    returns the token that ends it."""
    try:
        account = getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment
        account = "unknown account"
    return COMMAND_LINE_ACTOR.set(f"{account} (command line)")
