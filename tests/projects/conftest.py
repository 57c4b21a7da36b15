# The Playwright fixtures live with the browser harness; the project's browser test uses them.
from tests.browser.conftest import browser, page  # noqa: F401
