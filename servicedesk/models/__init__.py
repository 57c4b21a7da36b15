from .attachments import Attachment
from .catalog import Service
from .incidents import Incident, IncidentComment

__all__ = ["Attachment", "Incident", "IncidentComment", "Service"]
