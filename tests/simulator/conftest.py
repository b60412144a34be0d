# The root conftest will list tests.fixtures.simulator in pytest_plugins; importing the fixtures here
# works either way (pytest_plugins is only allowed in the root conftest).
from tests.fixtures.simulator import simulator, simulator_server  # noqa: F401
