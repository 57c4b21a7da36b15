from .baseline import Baseline, BaselineMilestone, BaselineTask
from .costs import CostEntry, TimeEntry
from .handoff import Handoff, HandoffChecklistItem
from .plan import Dependency, Milestone, Task
from .project import Project, ProjectMember
from .risks import Risk

__all__ = [
    "Baseline",
    "BaselineMilestone",
    "BaselineTask",
    "CostEntry",
    "Dependency",
    "Handoff",
    "HandoffChecklistItem",
    "Milestone",
    "Project",
    "ProjectMember",
    "Risk",
    "Task",
    "TimeEntry",
]
