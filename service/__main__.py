"""`python -m service`: serve the API, as `hip-screen serve` does (same options)."""

from .cli.main import serve

serve(prog_name="python -m service")
