"""Call-center quality assurance engine: recordings in, scored and explained calls out."""

__version__ = "0.1.0"
