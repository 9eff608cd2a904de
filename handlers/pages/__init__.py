"""The HTML pages (placeholder: the routes are added here as the pages land)."""


def add_routes(router, deps):
    """Add the HTML page routes to `router`; `deps` are the handler dependencies."""
