"""The exercise's Flask app: three routes that answer with a sentence, and one that fails on purpose.

No tracing code here: `ddtrace-run` patches Flask before this module imports it.
"""

from flask import Flask

from . import routes


class ExerciseError(RuntimeError):
    """Raised by the error route; its name and message are what Datadog shows on the span."""


def create_app():
    app = Flask(__name__)

    @app.get(routes.ENTRYPOINT)
    def entrypoint():
        return 'Entrypoint to the Application'

    @app.get(routes.APM)
    def apm():
        return 'Getting APM Started'

    @app.get(routes.TRACE)
    def trace():
        return 'Posting Traces'

    @app.get(routes.ERROR)
    def error():
        raise ExerciseError('This route always fails, to show error tracking')

    return app
