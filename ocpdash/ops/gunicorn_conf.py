"""gunicorn's settings (``gunicorn -c python:ocpdash.ops.gunicorn_conf``): with
``OCPDASH_LOG_FORMAT=json`` its own lines (start-up, worker exits, the access log) are JSON objects
like the rest of ocpdash's logs. Plain text otherwise."""

import os

from ocpdash.core.logs import json_logging, logging_config

if json_logging():
    logconfig_dict = logging_config(os.environ.get("OCPDASH_LOG_LEVEL", "INFO"), json=True)
