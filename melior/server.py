"""Several app processes under gunicorn (`melior serve --workers N`): each process holds the
interpreter lock of one core, so processes, not threads, use the machine's cores."""

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from melior.wsgi import application

        return application


def run_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
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
        }
    ).run()
