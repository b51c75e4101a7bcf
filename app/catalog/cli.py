"""flask courses check, import and export."""


def init_app(app) -> None:
    """Register the commands of this domain."""
