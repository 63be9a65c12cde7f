"""OpenWebUI Monitor, embedded edition: usage billing and reporting that runs inside Open WebUI."""

__version__ = "0.1.0"
