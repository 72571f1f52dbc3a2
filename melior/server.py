"""Several app processes under gunicorn (`melior serve --workers N`): each process holds the
interpreter lock of one core, so processes, not threads, use the machine's cores."""

from gunicorn.app.base import BaseApplication


def refuse_large_bodies(application, max_body: int):
    """Answer 413 to a request that says it is larger than `max_body`, before reading it (gunicorn
    has no such limit of its own; waitress's is `max_request_body_size`)."""

    def limited(environ, start_response):
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_body:
            start_response("413 Request Entity Too Large", [("Content-Type", "text/plain")])
            return [b"The request is larger than the largest file Melior imports.\n"]
        return application(environ, start_response)

    return limited


def believe_one_proxy(application, trusted_proxy: str):
    """As waitress does with `trusted_proxy`: from that proxy, the client's address (the last
    X-Forwarded-For entry, the one the proxy added) becomes REMOTE_ADDR and X-Forwarded-Proto
    the scheme; from anyone else, both headers are dropped."""

    def proxied(environ, start_response):
        if trusted_proxy and environ.get("REMOTE_ADDR") == trusted_proxy:
            forwarded_for = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
            if forwarded_for:
                environ["REMOTE_ADDR"] = forwarded_for
            scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
            if scheme in {"http", "https"}:
                environ["wsgi.url_scheme"] = scheme
        else:
            environ.pop("HTTP_X_FORWARDED_FOR", None)
            environ.pop("HTTP_X_FORWARDED_PROTO", None)
        return application(environ, start_response)

    return proxied


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict, max_body: int, trusted_proxy: str):
        self.options = options
        self.max_body = max_body
        self.trusted_proxy = trusted_proxy
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from melior.wsgi import application

        return believe_one_proxy(
            refuse_large_bodies(application, self.max_body), self.trusted_proxy
        )


def run_gunicorn(
    *, host: str, port: int, workers: int, threads: int, max_body: int, trusted_proxy: str = ""
) -> None:
    from django.db import connections

    connections.close_all()  # no connection opened before the fork is shared by the processes
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    _Gunicorn(
        {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            # Django is imported and set up once, then the processes fork from it.
            "preload_app": True,
            "timeout": 120,
            "graceful_timeout": 30,
            "max_requests": 5000,
            "max_requests_jitter": 500,
            "accesslog": None,
            "proc_name": "melior",
            # forwarding headers are judged by believe_one_proxy, not by gunicorn
            "forwarded_allow_ips": "",
        },
        max_body,
        trusted_proxy,
    ).run()
