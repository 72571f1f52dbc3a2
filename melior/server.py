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


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict, max_body: int):
        self.options = options
        self.max_body = max_body
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from melior.wsgi import application

        return refuse_large_bodies(application, self.max_body)


def run_gunicorn(*, host: str, port: int, workers: int, threads: int, max_body: int) -> None:
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
        },
        max_body,
    ).run()
