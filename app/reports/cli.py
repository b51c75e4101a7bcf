"""Report and demo-data commands."""


def init_app(app) -> None:
    """Register the commands of this domain."""
