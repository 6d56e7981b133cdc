"""The registry of workflow definitions, by name and semantic version."""

from __future__ import annotations

import importlib

from litestar_workflows.core.definition import WorkflowDefinition, compile_definition, validate_definition
from litestar_workflows.exceptions import WorkflowNotFoundError, WorkflowValidationError
from litestar_workflows.rules.spec import GraphSpec, semver_key

__all__ = ["WorkflowRegistry", "load_registry"]


class WorkflowRegistry:
    """Holds validated workflow definitions.

    Several versions of a definition may be registered; "latest" means highest by
    semantic-version precedence (10.0.0 > 9.0.0).
    """

    def __init__(self) -> None:
        self._definitions: dict[str, dict[str, tuple[WorkflowDefinition, GraphSpec]]] = {}

    def register_definition(self, definition: WorkflowDefinition) -> None:
        """Validate and register ``definition``.

        Registering the same (name, version) again with an identical graph is a no-op.

        Raises:
            WorkflowValidationError: The definition is invalid (every problem listed), or
                the same name and version is registered with a different graph.
        """
        errors = validate_definition(definition)
        if errors:
            raise WorkflowValidationError(errors, name=definition.name)
        graph = compile_definition(definition)
        versions = self._definitions.setdefault(definition.name, {})
        existing = versions.get(definition.version)
        if existing is not None:
            if existing[1].fingerprint() != graph.fingerprint():
                raise WorkflowValidationError(
                    [
                        f"version {definition.version!r} is already registered with a different graph; "
                        "register the change under a new version"
                    ],
                    name=definition.name,
                )
            return
        versions[definition.version] = (definition, graph)

    def _entry(self, name: str, version: str | None) -> tuple[WorkflowDefinition, GraphSpec]:
        versions = self._definitions.get(name)
        if not versions:
            raise WorkflowNotFoundError(name, version)
        if version is None:
            version = max(versions, key=semver_key)
        entry = versions.get(version)
        if entry is None:
            raise WorkflowNotFoundError(name, version)
        return entry

    def get_definition(self, name: str, version: str | None = None) -> WorkflowDefinition:
        """Return the definition ``name`` at ``version`` (latest when ``None``).

        Raises:
            WorkflowNotFoundError: Not registered (a ``KeyError``).
        """
        return self._entry(name, version)[0]

    def get_graph(self, name: str, version: str | None = None) -> GraphSpec:
        """Return the immutable graph snapshot of ``name`` at ``version`` (latest when ``None``).

        Raises:
            WorkflowNotFoundError: Not registered.
        """
        return self._entry(name, version)[1]

    def get_versions(self, name: str) -> list[str]:
        """Registered versions of ``name``, oldest first (empty if unknown)."""
        return sorted(self._definitions.get(name, {}), key=semver_key)

    def list_definitions(self, *, latest_only: bool = False) -> list[WorkflowDefinition]:
        """Every registered definition (or only the latest version of each), by name then version."""
        found: list[WorkflowDefinition] = []
        for name in sorted(self._definitions):
            versions = self.get_versions(name)
            for version in versions[-1:] if latest_only else versions:
                found.append(self._definitions[name][version][0])
        return found

    def has_workflow(self, name: str, version: str | None = None) -> bool:
        """Whether ``name`` (at ``version``, if given) is registered."""
        versions = self._definitions.get(name, {})
        return bool(versions) if version is None else version in versions

    def unregister(self, name: str, version: str | None = None) -> None:
        """Remove ``name`` at ``version`` (every version when ``None``).

        Raises:
            WorkflowNotFoundError: Not registered.
        """
        versions = self._definitions.get(name)
        if not versions or (version is not None and version not in versions):
            raise WorkflowNotFoundError(name, version)
        if version is None:
            del self._definitions[name]
            return
        del versions[version]
        if not versions:
            del self._definitions[name]


def load_registry(spec: str) -> WorkflowRegistry:
    """Load ``module:attribute`` registries (comma-separated) into one registry.

    Raises:
        ValueError: A malformed entry, a module or attribute that cannot be loaded, an
            attribute that is not a :class:`WorkflowRegistry`, or conflicting definitions.
    """
    items = [part.strip() for part in spec.split(",") if part.strip()]
    if not items:
        raise ValueError("no definitions given (expected module:attribute, comma-separated)")
    registries: list[WorkflowRegistry] = []
    for item in items:
        module_name, _, attribute = item.partition(":")
        if not module_name or not attribute:
            raise ValueError(f"definitions entry {item!r} is not of the form module:attribute")
        try:
            found = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"definitions entry {item!r} cannot be loaded: {exc}") from exc
        if not isinstance(found, WorkflowRegistry):
            raise ValueError(f"definitions entry {item!r} is a {type(found).__name__}, not a WorkflowRegistry")
        registries.append(found)
    if len(registries) == 1:
        return registries[0]
    merged = WorkflowRegistry()
    for registry in registries:
        for definition in registry.list_definitions():
            try:
                merged.register_definition(definition)
            except WorkflowValidationError as exc:
                raise ValueError(f"definitions {spec!r} conflict: {exc}") from exc
    return merged
