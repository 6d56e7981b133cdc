"""Static checks of docker-compose.yml, the Dockerfile and .env.example (Docker cannot run here).

What is checked: every referenced service exists and waits on a condition its target can meet;
images are pinned; addresses and ports agree between services; the worker, gateway and set-up
commands are the real entry points with options they accept; the variables the application
services get are the ones the code reads; every ``${VAR}`` is documented in ``.env.example``;
the Dockerfile's base image is pinned, runs as a non-root user, installs runtime dependencies
only and starts a real entry point.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from litestar_workflows.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()
APP_SERVICES = ("temporal-setup", "worker", "gateway")
SETTINGS_ALIASES = {str(f.validation_alias) for f in Settings.model_fields.values() if f.validation_alias}

_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f".env.example: {line!r} is not NAME=value"
            values[name] = value
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution (``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}``, ``$$``)."""

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        value = env.get(name)
        if op in (":-", "-"):
            return value if value else (arg or "")
        if op in (":?", "?"):
            if not value:
                raise AssertionError(f"{name} is required: {arg}")
            return value
        return value or ""

    return _VAR.sub(replace, text.replace("$$", "\x00")).replace("\x00", "$")


def compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(interpolate(COMPOSE_TEXT, env_example() if env is None else env))
    return loaded


SERVICES: dict[str, Any] = compose()["services"]


def environment(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment", {})
    assert isinstance(env, dict), f"{service}: use the mapping form of environment"
    return {str(k): str(v) for k, v in env.items()}


def command(service: str) -> list[str]:
    cmd = SERVICES[service]["command"]
    return [str(part) for part in cmd] if isinstance(cmd, list) else shlex.split(cmd)


def test_every_dependency_exists_and_its_condition_can_be_met() -> None:
    for name, service in SERVICES.items():
        for target, spec in service.get("depends_on", {}).items():
            assert target in SERVICES, f"{name} depends on unknown service {target}"
            condition = spec["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in SERVICES[target], f"{name} waits for {target} to be healthy: no healthcheck"
            elif condition == "service_completed_successfully":
                assert SERVICES[target].get("restart", "no").startswith(("no", "on-failure")), (
                    f"{target} is waited on to complete but restarts forever"
                )
            else:
                assert condition == "service_started", f"{name}: unknown condition {condition}"


def test_startup_order() -> None:
    def waits_for(name: str) -> dict[str, str]:
        return {t: s["condition"] for t, s in SERVICES[name].get("depends_on", {}).items()}

    assert waits_for("temporal-schema") == {"postgresql": "service_healthy"}
    assert waits_for("temporal") == {"temporal-schema": "service_completed_successfully"}
    assert waits_for("temporal-setup") == {"temporal": "service_healthy"}
    assert waits_for("temporal-ui") == {"temporal": "service_healthy"}
    assert waits_for("worker")["temporal-setup"] == "service_completed_successfully"
    assert waits_for("gateway")["temporal-setup"] == "service_completed_successfully"
    assert "worker" in waits_for("gateway")


def test_images_are_pinned() -> None:
    built = {name for name, s in SERVICES.items() if "build" in s}
    assert built == set(APP_SERVICES)
    for name, service in SERVICES.items():
        image = service.get("image")
        assert image, f"{name} has no image"
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: image {image!r} has no tag"
        assert tag != "latest", f"{name}: image {image!r} is not pinned"
        if name not in built:
            assert re.fullmatch(r"\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?", tag), f"{name}: {image!r} is not a precise version"
    official = {SERVICES[n]["image"].rpartition(":")[0] for n in ("temporal", "temporal-schema", "temporal-ui")}
    assert official == {"temporalio/server", "temporalio/admin-tools", "temporalio/ui"}
    # Schema tooling and server must be the same release.
    assert SERVICES["temporal"]["image"].split(":")[1] == SERVICES["temporal-schema"]["image"].split(":")[1]
    assert len({SERVICES[n]["image"] for n in built}) == 1, "worker, gateway and set-up share one image"


def test_temporal_address_and_ports_agree() -> None:
    assert "7233" in [str(p) for p in SERVICES["temporal"]["expose"]]
    assert SERVICES["temporal"]["healthcheck"]["test"][-1] == "7233"
    for name in (*APP_SERVICES, "temporal-ui"):
        assert environment(name)["TEMPORAL_ADDRESS"] == "temporal:7233", name
    namespaces = {environment(n)["TEMPORAL_NAMESPACE"] for n in APP_SERVICES}
    assert namespaces == {environment("temporal-ui")["TEMPORAL_DEFAULT_NAMESPACE"]}
    assert len({environment(n)["TEMPORAL_TASK_QUEUE"] for n in APP_SERVICES}) == 1
    assert len({environment(n)["WORKFLOWS_DEFINITIONS"] for n in APP_SERVICES}) == 1


def test_database_settings_agree() -> None:
    db_user = environment("postgresql")["POSTGRES_USER"]
    password = environment("postgresql")["POSTGRES_PASSWORD"]
    for name in ("temporal-schema", "temporal"):
        env = environment(name)
        assert env["POSTGRES_SEEDS"] == "postgresql", name
        assert env["DB_PORT"] == "5432", name
        assert env["POSTGRES_USER"] == db_user, name
        assert env["DB"] == "postgres12", name
    assert environment("temporal-schema")["SQL_PASSWORD"] == password
    assert environment("temporal")["POSTGRES_PWD"] == password
    assert "postgres-data:/var/lib/postgresql/data" in SERVICES["postgresql"]["volumes"]
    assert "postgres-data" in compose()["volumes"]


def test_mounted_files_exist_and_the_schema_script_parses() -> None:
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).is_file(), f"{name} mounts missing {source}"
    script = ROOT / "deploy/temporal/setup-postgres.sh"
    subprocess.run(["sh", "-n", str(script)], check=True)
    text = script.read_text()
    # The server and the schema must use the same databases.
    assert "DBNAME" in text
    assert "VISIBILITY_DBNAME" in text
    dynamic = SERVICES["temporal"]["environment"]["DYNAMIC_CONFIG_FILE_PATH"]
    mounts = {v.split(":")[1] for v in SERVICES["temporal"]["volumes"]}
    assert dynamic in mounts
    assert yaml.safe_load((ROOT / "deploy/temporal/dynamicconfig.yaml").read_text())


def test_gateway_port_agrees_everywhere() -> None:
    env = environment("gateway")
    cmd = command("gateway")
    port = cmd[cmd.index("--port") + 1]
    assert env["WORKFLOWS_PORT"] == port
    assert cmd[cmd.index("--host") + 1] == env["WORKFLOWS_HOST"] == "0.0.0.0"
    published = SERVICES["gateway"]["ports"][0]
    assert published.rsplit(":", 1)[1] == port
    assert f"127.0.0.1:{port}/health" in " ".join(SERVICES["gateway"]["healthcheck"]["test"])
    assert SERVICES["temporal-ui"]["ports"][0].endswith(":8080")


def test_gateway_command_is_the_real_app_factory() -> None:
    cmd = command("gateway")
    assert cmd[0] == "uvicorn"
    assert "--factory" in cmd
    module_name, _, attribute = next(a for a in cmd[1:] if ":" in a).partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    assert callable(factory)
    # Every uvicorn option used exists.
    help_text = subprocess.run(
        [sys.executable, "-m", "uvicorn", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in (a for a in cmd if a.startswith("--")):
        assert option in help_text, f"uvicorn has no {option}"


def test_worker_command_is_the_real_worker() -> None:
    cmd = command("worker")
    assert cmd[:3] == ["python", "-m", "worker"]
    assert (ROOT / "worker.py").is_file()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "worker" in pyproject["tool"]["setuptools"]["py-modules"], "worker must be installed with the package"
    flags = [a for a in cmd[3:] if a.startswith("-")]
    if flags:
        help_text = subprocess.run(
            [sys.executable, "worker.py", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout
        for flag in flags:
            assert flag.split("=")[0] in help_text, f"worker.py has no {flag}"
    # The worker's own graceful shutdown must end before compose's SIGKILL.
    grace = float(cmd[cmd.index("--graceful-shutdown-timeout") + 1])
    assert grace < float(SERVICES["worker"]["stop_grace_period"].removesuffix("s"))


def test_setup_command_is_the_real_console_script() -> None:
    cmd = command("temporal-setup")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    target = pyproject["project"]["scripts"][cmd[0]]
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute))
    args = module._parser().parse_args(cmd[1:])
    assert args.command == "setup"
    assert args.retention_days == int(env_example()["TEMPORAL_RETENTION_DAYS"])


def test_application_services_get_only_variables_the_code_reads() -> None:
    for name in APP_SERVICES:
        unknown = set(environment(name)) - SETTINGS_ALIASES
        assert not unknown, f"{name} sets variables no setting reads: {sorted(unknown)}"


def settings_from(env: dict[str, Any]) -> Settings:
    return Settings(**env)


def test_application_environment_parses_into_settings() -> None:
    for name in APP_SERVICES:
        settings = settings_from(environment(name))
        assert settings.temporal_address == "temporal:7233"
    gateway = settings_from(environment("gateway"))
    assert gateway.jwt_secret == env_example()["WORKFLOWS_JWT_SECRET"]
    assert not gateway.dev_tokens, "development tokens must stay off in the deployment"


def test_every_compose_variable_is_documented_in_env_example_and_vice_versa() -> None:
    referenced = {m["name"] for m in _VAR.finditer(COMPOSE_TEXT.replace("$$", ""))}
    documented = set(env_example())
    assert referenced - documented == set(), f"undocumented: {sorted(referenced - documented)}"
    assert documented - referenced == set(), f"unused: {sorted(documented - referenced)}"


def test_env_example_agrees_with_compose_defaults() -> None:
    example = env_example()
    for match in _VAR.finditer(COMPOSE_TEXT):
        if match["op"] == ":-" and match["arg"]:
            assert example[match["name"]] == match["arg"], match["name"]


def test_secrets_are_required_not_defaulted() -> None:
    for secret in ("POSTGRES_PASSWORD", "WORKFLOWS_JWT_SECRET"):
        uses = [m for m in _VAR.finditer(COMPOSE_TEXT) if m["name"] == secret]
        assert uses
        assert all(m["op"] == ":?" for m in uses), f"{secret} must be required (${{{secret}:?...}})"
    env = {k: v for k, v in env_example().items() if k != "WORKFLOWS_JWT_SECRET"}
    with pytest.raises(AssertionError, match="WORKFLOWS_JWT_SECRET is required"):
        compose(env)
    # The filled-in copy never reaches git.
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def test_only_gateway_and_ui_publish_ports_on_localhost_by_default() -> None:
    published = {name for name, s in SERVICES.items() if s.get("ports")}
    assert published == {"gateway", "temporal-ui"}
    for name in published:
        assert SERVICES[name]["ports"][0].startswith("127.0.0.1:"), name


# --- Dockerfile -------------------------------------------------------------------------------


def dockerfile_stages() -> list[list[str]]:
    stages: list[list[str]] = []
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_dockerfile_base_image_is_pinned() -> None:
    match = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE, re.MULTILINE)
    assert match
    image = match[1]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", image), image
    for stage in dockerfile_stages():
        assert stage[0].startswith("FROM ${PYTHON_IMAGE}")


def test_dockerfile_runs_as_non_root_with_runtime_dependencies_only() -> None:
    runtime = dockerfile_stages()[-1]
    users = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    installs = [line for line in DOCKERFILE.splitlines() if "pip install" in line]
    assert installs
    assert all("[dev]" not in line and "-e " not in line for line in installs)
    assert not any("pip install" in line for line in runtime), "the runtime stage copies the built venv only"


def test_dockerfile_entry_point_and_copies_exist() -> None:
    cmd_line = next(line for line in dockerfile_stages()[-1] if line.startswith("CMD "))
    cmd = json.loads(cmd_line[4:])
    assert cmd[:3] == ["uvicorn", "--factory", "api.app:create_app"]
    assert cmd == command("gateway")[: len(cmd)]
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for line in DOCKERFILE.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
                assert f"!{source}" in ignored or f"!{source}/" in ignored, f".dockerignore excludes {source}"


def test_packages_in_the_image_are_the_ones_the_services_import() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in ("litestar_workflows", "workflows", "activities", "api", "examples"):
        assert f"{package}*" in included
        assert f"COPY {package} ./{package}" in DOCKERFILE
    definitions = environment("worker")["WORKFLOWS_DEFINITIONS"]
    module_name, _, attribute = definitions.partition(":")
    assert hasattr(importlib.import_module(module_name), attribute)
