from .catalog import Service

__all__ = ["Service"]
