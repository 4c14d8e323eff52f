"""The set-up files agree with each other: compose stack, Makefile, CI script, CLI, examples."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "config" / "teledossier.env.example"
SERVICES = {"rabbitmq", "postgres", "web", "worker", "mail-gateway", "migrate", "mailpit"}
APP_SERVICES = {"web", "worker", "mail-gateway", "migrate"}
COMMANDS = ["up", "web", "worker", "migrate", "commune", "token", "status", "failed", "bench"]
VARIABLE = re.compile(r"\bTELEDOSSIER_[A-Z][A-Z0-9_]*[A-Z0-9]")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def interpolated(value: str) -> str:
    """Replace compose's ${VAR...} interpolations by a plain value, as docker compose would."""
    return re.sub(r"\$\{[^}]*\}", "secret", value)


def example_variables() -> dict[str, str]:
    """Every variable of the env example, commented-out defaults included, with its value."""
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#?(TELEDOSSIER_[A-Z0-9_]+)=(.*)", line.strip())
        if match:
            found[match[1]] = match[2]
    return found


def readme() -> str:
    path = ROOT / "README.md"
    assert path.exists(), "README.md is missing"
    return path.read_text(encoding="utf-8")


def test_compose_defines_every_service() -> None:
    missing = SERVICES - set(compose()["services"])
    assert not missing, sorted(missing)


def test_app_services_share_one_image_and_environment() -> None:
    services = compose()["services"]
    apps = [services[name] for name in sorted(APP_SERVICES)]
    assert all(app["build"] == "." for app in apps)
    assert len({app.get("image") for app in apps}) == 1
    assert len({json.dumps(app["environment"], sort_keys=True) for app in apps}) == 1
    assert all(app["env_file"] == "config/teledossier.env" for app in apps)


def test_app_services_reach_the_stack_services() -> None:
    environment = compose()["services"]["web"]["environment"]
    hosts = {name: urlsplit(interpolated(environment[f"TELEDOSSIER_{name}"])).hostname
             for name in ("DATABASE_URL", "BROKER_URL")}
    assert hosts == {"DATABASE_URL": "postgres", "BROKER_URL": "rabbitmq"}
    settings = Settings.from_env({k: interpolated(v) for k, v in environment.items()})
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert not settings.embedded_broker


def test_outgoing_mail_takes_the_relay_of_the_env_file() -> None:
    services = compose()["services"]
    assert "TELEDOSSIER_SMTP_URL" not in services["web"]["environment"]
    assert services["mailpit"]["profiles"] == ["essai"]
    assert all("mailpit" not in services[name].get("depends_on", {}) for name in APP_SERVICES)


def test_published_ports_answer_on_this_host_unless_told_otherwise() -> None:
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            address = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(port)).split(":")[0]
            assert address == "127.0.0.1", (name, port)


def test_app_services_start_after_the_migration() -> None:
    services = compose()["services"]
    assert services["migrate"]["command"] == ["teledossier", "migrate"]
    for name in APP_SERVICES - {"migrate"}:
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"
    assert "container_name" not in services["worker"]  # so that --scale worker=N works


def cli_commands() -> set[str]:
    script = Path(sys.executable).parent / "teledossier"
    assert script.exists(), f"{script} is missing: install the project (make test does it)"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True,
                            check=True, timeout=60)
    return set(re.findall(r"^ {4}(\S+)", result.stdout, re.M))


def test_plain_compose_up_starts_only_commands_that_exist() -> None:
    services = compose()["services"]
    commands = cli_commands()
    started = {name: service["command"] for name, service in services.items()
               if name in APP_SERVICES and not service.get("profiles")}
    assert started, "no application service starts with a plain `docker compose up`"
    unknown = {name: command for name, command in started.items()
               if command[0] != "teledossier" or command[1] not in commands}
    assert not unknown, f"these services would crash-loop: {unknown}"
    assert set(started) == APP_SERVICES


def test_env_example_says_only_what_the_image_really_sets() -> None:
    text = " ".join(line.lstrip("# ") for line in
                    ENV_EXAMPLE.read_text(encoding="utf-8").splitlines())
    claim = re.search(r"l'image fixe ((?:[A-Z_]+)(?:(?:, | et )[A-Z_]+)*)", text)
    assert claim, "the env example no longer says which variables the image sets"
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for name in re.split(r", | et ", claim[1]):
        assert re.search(rf"^ENV TELEDOSSIER_{name}=", dockerfile, re.M), name


def test_readme_names_every_compose_service() -> None:
    text = readme()
    missing = sorted(name for name in compose()["services"] if name not in text)
    assert not missing, f"README.md does not mention the compose services {missing}"


def test_readme_variables_reach_the_app_services() -> None:
    """A variable the README names is set by compose or read from the services' env file."""
    known = set(compose()["services"]["web"]["environment"]) | set(example_variables())
    unknown = sorted(set(VARIABLE.findall(readme())) - known)
    assert not unknown, f"README.md names variables nobody sets: {unknown}"


def test_env_example_documents_every_setting_with_a_valid_value() -> None:
    source = (ROOT / "pipeline" / "settings.py").read_text(encoding="utf-8")
    read = {"TELEDOSSIER_" + name for name in re.findall(r'\bget(?:\(|, )"([A-Z_]+)"', source)}
    example = example_variables()
    assert read and read <= set(example), sorted(read - set(example))
    active = {"TELEDOSSIER_PUBLIC_URL", "TELEDOSSIER_MAIL_DOMAIN", "TELEDOSSIER_SECRET_KEY"}
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert all(re.search(rf"^{name}=", text, re.M) for name in active)
    Settings.from_env(example)  # every example value is accepted


def test_makefile_has_the_documented_targets() -> None:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test", "lint", "bench", "clean"):
        assert re.search(rf"^{target}:", text, re.M), target
    # Variables the caller set are never overridden.
    assert not re.search(r"^\s*(export\s+)?TELEDOSSIER_\w+\s*[:+!]?=", text, re.M)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_migrates_then_starts_and_make_test_runs_ruff_and_pytest() -> None:
    def plan(target: str) -> str:
        return subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True,
                              text=True, check=True, timeout=60).stdout

    run = plan("run")
    assert run.index("teledossier migrate") < run.index("teledossier up")
    test = plan("test")
    assert "install -e '.[dev]'" in test
    assert test.index("ruff check .") < test.index("pytest")


def test_ci_script_is_executable_and_runs_make_test() -> None:
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK)
    text = script.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    assert re.search(r"^\s*make test\s*$", text, re.M)
    subprocess.run(["bash", "-n", str(script)], check=True, timeout=30)


def test_dockerfile_installs_the_main_dependencies_as_a_plain_user() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert re.search(r"^RUN pip install \.(\s|$)", text, re.M)
    assert "[dev]" not in text
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in {"root", "0"}


def test_dockerfile_copies_every_package_of_the_project() -> None:
    """A package left out of the image would only show when a process imports it."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    included = re.search(r"include = \[([^\]]*)\]", pyproject)
    assert included, "pyproject.toml no longer lists its packages"
    packages = {name.rstrip("*") for name in re.findall(r'"([^"]+)"', included[1])}
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.M))
    assert packages and packages == copied


def test_rabbitmq_definitions_cover_every_queue() -> None:
    from pipeline.flow import ROUTES

    definitions = json.loads((ROOT / "config" / "rabbitmq" / "definitions.json").read_text(
        encoding="utf-8"))
    assert [v["name"] for v in definitions["vhosts"]] == ["teledossier"]
    [policy] = definitions["policies"]
    for route in ROUTES:
        for queue in (route.queue, f"{route.queue}.DQ", f"{route.queue}.XQ"):
            assert re.search(policy["pattern"], queue), queue


def test_cli_help_lists_the_commands() -> None:
    listed = cli_commands()
    assert set(COMMANDS) <= listed, sorted(set(COMMANDS) - listed)
