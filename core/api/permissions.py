"""Declarative role permissions for viewsets: `permission_classes = [role_required(...)]`."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import has_role


def role_required(*roles: str, read_roles: tuple[str, ...] | None = None) -> type[BasePermission]:
    """Writes need one of `roles`; reads need one of `read_roles` (any signed-in user if None)."""

    class RolePermission(BasePermission):
        message = "Your role may not do this."

        def has_permission(self, request, view):
            if not (request.user and request.user.is_authenticated):
                return False
            if request.method in SAFE_METHODS:
                return read_roles is None or has_role(request.user, *read_roles)
            return has_role(request.user, *roles)

    RolePermission.__name__ = f"RoleRequired_{'_'.join(roles)}"
    return RolePermission
