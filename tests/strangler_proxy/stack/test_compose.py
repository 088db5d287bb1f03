"""docker-compose.yml runs the same processes as `strangler up`."""
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from strangler_proxy.stack.processes import stack_processes, stack_settings

ROOT = Path(__file__).resolve().parents[3]
# One-shot set-up services of compose: `strangler up` does their work before it starts.
SETUP_ONLY = {"postgres", "redis", "db-init", "monolith-migrate", "catalog-initdb", "notifications-initdb"}


def _identity(argv: list[str]) -> list[str]:
    """What a command runs: the program and its subcommands, up to the first option."""
    words = [w for w in argv if not w.endswith(("python", "python3")) and "/python" not in w]
    if words and words[0] == "strangler":
        words = ["-m", "strangler_proxy.cli", *words[1:]]
    identity = []
    for word in words:
        if word.startswith("--"):
            break
        identity.append(word)
    return identity


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _compose_identity(service: dict) -> list[str]:
    command = service["command"]
    image_entry = {"strangler/catalog": ["-m", "extracted.catalog"],
                   "strangler/notifications": ["-m", "extracted.notifications"]}.get(service.get("image"), [])
    return _identity([*image_entry, *command])


def test_compose_and_strangler_up_run_the_same_processes(compose):
    processes = {p.name: _identity(list(p.argv)) for p in stack_processes(stack_settings({}))}
    services = {name: _compose_identity(spec) for name, spec in compose["services"].items()
                if name not in SETUP_ONLY}

    assert services == processes


def test_compose_workers_consume_the_same_queues_as_strangler_up(compose):
    def queues(argv: list[str]) -> str:
        return argv[argv.index("--queues") + 1]

    worker = next(p for p in stack_processes(stack_settings({})) if p.name == "worker")

    assert queues(compose["services"]["worker"]["command"]) == queues(list(worker.argv))


def test_every_service_is_configured_only_through_the_environment(compose):
    for name, spec in compose["services"].items():
        assert "volumes" not in spec or name == "postgres", name
        assert "env_file" not in spec, name


def test_compose_file_is_valid_for_docker_compose():
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is needed (Debian package docker-compose; scripts/setup installs it)"

    result = subprocess.run([binary, "config", "-q"], cwd=ROOT, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
