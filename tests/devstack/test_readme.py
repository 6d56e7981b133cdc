"""The README stays true: generated configuration tables, and the facts it states about the code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from litestar_workflows.settings import Settings
from tests.devstack.readme_tables import README, ROOT, env_example_entries, render, settings_descriptions

TEXT = README.read_text()


def test_configuration_tables_match_settings_and_env_example() -> None:
    assert render(TEXT) == TEXT, "README tables are stale: run `python -m tests.devstack.readme_tables`"


def test_every_setting_is_documented_in_the_settings_docstring() -> None:
    described = settings_descriptions()
    for name, field in Settings.model_fields.items():
        assert name in described, f"Settings docstring lacks {name}"
        assert described[name][0] == field.validation_alias
        assert described[name][1], f"Settings docstring has no description for {name}"
        assert f"`{field.validation_alias}`" in TEXT
    for name, _, comment in env_example_entries():
        assert comment, f".env.example has no comment for {name}"


def test_environment_variables_named_in_the_readme_exist() -> None:
    known = {str(f.validation_alias) for f in Settings.model_fields.values()}
    known |= {name for name, _, _ in env_example_entries()}
    # Variables that belong to other programs.
    known |= {"PATH", "NO_COLOR"}
    named = set(re.findall(r"\b((?:TEMPORAL|WORKFLOWS|DEV|POSTGRES|GATEWAY)_[A-Z_]+)\b", TEXT))
    named -= {"TEMPORAL_TLS", "TEMPORAL_TLS_"}  # "TEMPORAL_TLS*" is a family
    assert named - known == set(), f"README names unknown variables: {sorted(named - known)}"


def test_make_targets_and_commands_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for target in re.findall(r"`make (\w+)`", TEXT):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"Makefile has no {target} target"
    assert re.search(r"^run: .*\n\t\$\(BIN\)/litestar-workflows dev$", makefile, re.MULTILINE)
    from litestar_workflows.devstack.cli import _parser

    parser = _parser()
    for sub in ("dev", "setup", "demo"):
        assert f"litestar-workflows {sub}" in TEXT
        parser.parse_args([sub])
    parser.parse_args(["dev", "--temporal-port", "1", "--ui-port", "2", "--gateway-port", "3", "--data-dir", "x"])


def test_readme_images_match_the_compose_file() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name, service in services.items():
        if "build" not in service:
            assert f"| `{name}` | `{service['image']}` |" in TEXT, f"README's service table is stale for {name}"
        else:
            assert f"| `{name}` | this repository's image |" in TEXT


def test_readme_paths_exist() -> None:
    for path in re.findall(r"`((?:examples|tests|deploy|litestar_workflows|api)/[\w/.]+\.(?:py|sh|md))`", TEXT):
        assert (ROOT / path).exists(), f"README mentions missing {path}"


def test_routes_in_the_readme_exist_in_the_gateway() -> None:
    from litestar import Litestar

    from api.app import create_app
    from litestar_workflows import LocalExecutionEngine
    from litestar_workflows.engine.registry import WorkflowRegistry

    settings = Settings(WORKFLOWS_DEV_TOKENS=True, WORKFLOWS_HOST="127.0.0.1")  # type: ignore[call-arg]
    app: Litestar = create_app(settings=settings, engine=LocalExecutionEngine(WorkflowRegistry()))
    routes = {route.path for route in app.routes}

    def known(path: str) -> bool:
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", path)
        return any(re.fullmatch(pattern, re.sub(r"\{[^}:]+:[^}]+\}", "x", r)) for r in routes) or any(
            re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", r), path) for r in routes
        )

    table_routes = re.findall(r"^\| `(?:GET|POST) (/[^`?]*)", TEXT, re.MULTILINE)
    table_routes += re.findall(r"`GET (/[a-z/]+)`", TEXT)
    assert table_routes
    for path in table_routes:
        assert known(path), f"README documents {path}, which the gateway does not serve"


def test_example_definitions_described_in_the_readme_exist() -> None:
    import examples

    for name in re.findall(r"`examples/(\w+)\.py`", TEXT):
        assert (Path(examples.__file__).parent / f"{name}.py").exists()
    for definition in examples.registry.list_definitions():
        assert definition.name in TEXT
