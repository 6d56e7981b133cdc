"""The registry of workflow definitions, by name and semantic version."""

from __future__ import annotations

import importlib
from typing import Any

from litestar_workflows.core.definition import WorkflowDefinition, compile_definition, validate_definition
from litestar_workflows.exceptions import WorkflowNotFoundError, WorkflowValidationError
from litestar_workflows.rules.spec import GraphSpec, semver_key

__all__ = ["WorkflowRegistry", "definition_of", "load_registry"]


class WorkflowRegistry:
    """Holds validated workflow definitions.

    Several versions of a definition may be registered; "latest" means highest by
    semantic-version precedence (10.0.0 > 9.0.0).

    Definitions are registered with :meth:`register_definition`, or (0.3.3's class-based style)
    as a workflow class with :meth:`register`: any class with ``get_definition()`` (and
    ``name``/``version``/``description`` attributes).
    """

    def __init__(self) -> None:
        self._definitions: dict[str, dict[str, tuple[WorkflowDefinition, GraphSpec]]] = {}
        self._classes: dict[str, type[Any]] = {}

    def register(self, workflow: type[Any] | WorkflowDefinition) -> WorkflowDefinition:
        """Validate and register a workflow class (or a definition), and return its definition.

        The class's ``get_definition()`` is called on the class (a classmethod or staticmethod),
        else on an instance made with no arguments. The class is remembered under the
        definition's name for :meth:`get_workflow_class`.

        Raises:
            WorkflowValidationError: The definition is invalid (every problem listed).
            TypeError: ``workflow`` has no ``get_definition()`` returning a WorkflowDefinition.
        """
        if isinstance(workflow, WorkflowDefinition):
            self.register_definition(workflow)
            return workflow
        definition = definition_of(workflow)
        self.register_definition(definition)
        self._classes[definition.name] = workflow
        return definition

    def get_workflow_class(self, name: str) -> type[Any]:
        """The workflow class registered (with :meth:`register`) under ``name``.

        Raises:
            WorkflowNotFoundError: No class was registered under that name (a ``KeyError``).
        """
        found = self._classes.get(name)
        if found is None:
            raise WorkflowNotFoundError(name)
        return found

    def resolve(self, workflow: str | type[Any], version: str | None = None) -> tuple[str, str | None]:
        """``(name, version)`` to start for ``workflow``: a name as given, a workflow class as the
        name and version of its definition, which must be registered (with that graph).

        Raises:
            WorkflowNotFoundError: The class's definition is not registered at that version.
            WorkflowValidationError: A different graph is registered under its name and version.
        """
        if isinstance(workflow, str):
            return workflow, version
        definition = definition_of(workflow)
        registered = self._entry(definition.name, version or definition.version)
        if version is None and registered[1].full_fingerprint() != compile_definition(definition).full_fingerprint():
            raise WorkflowValidationError(
                [f"the class's graph differs from the registered version {definition.version!r}"],
                name=definition.name,
            )
        return definition.name, version or definition.version

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
            if existing[1].full_fingerprint() != graph.full_fingerprint():
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

    def list_definitions(
        self, active_only: bool | None = None, *, latest_only: bool = False
    ) -> list[WorkflowDefinition]:
        """Every registered definition (or only the latest version of each), by name then version.

        ``active_only=True`` (0.3.3's name) is ``latest_only=True``. Unlike 0.3.3, a call with no
        argument lists every version (what this project's callers have always relied on).
        """
        if active_only is not None:
            latest_only = active_only
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
            self._classes.pop(name, None)
            return
        del versions[version]
        if not versions:
            del self._definitions[name]
            self._classes.pop(name, None)


def definition_of(workflow: type[Any]) -> WorkflowDefinition:
    """The definition of a workflow class: ``get_definition()`` on the class, else on an instance.

    Raises:
        TypeError: No ``get_definition()``, or it does not return a WorkflowDefinition.
    """
    getter = getattr(workflow, "get_definition", None)
    if getter is None:
        raise TypeError(f"{workflow!r} is neither a workflow name nor a class with get_definition()")
    try:
        definition = getter()
    except TypeError:
        if not isinstance(workflow, type):
            raise
        definition = workflow().get_definition()  # an instance method
    if not isinstance(definition, WorkflowDefinition):
        raise TypeError(f"{workflow!r}.get_definition() returned {type(definition).__name__}, not a WorkflowDefinition")
    return definition


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
