from tests.api.conftest import api  # noqa: F401 - the API client fixture, used here too
from tests.notify.conftest import notify_env, receiver  # noqa: F401 - the notification receiver
