"""deploy/docker/Dockerfile read without Docker: its build stages and their instructions."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from tests.deploy.services import DEPLOY

DOCKERFILE = DEPLOY / "docker" / "Dockerfile"


@dataclass
class Stage:
    """One `FROM ... AS name` stage: its base (build arguments resolved) and instructions."""

    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, instruction: str) -> list[str]:
        """The arguments of every `instruction` (e.g. "RUN") of this stage, in order."""
        return [text for name, text in self.instructions if name == instruction]

    @property
    def environment(self) -> dict[str, str]:
        """Variables this stage's ENV instructions set."""
        pairs = (
            word.partition("=") for text in self.arguments("ENV") for word in shlex.split(text)
        )
        return {name: value for name, _, value in pairs}


def logical_lines(text: str) -> list[str]:
    """Instructions one per line: continuations joined, comments and blank lines dropped."""
    lines, current = [], ""
    for line in text.splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        lines.append(current + line.strip())
        current = ""
    return lines


def stages(path: Path = DOCKERFILE) -> dict[str, Stage]:
    """The stages by name, in file order."""
    build_arguments: dict[str, str] = {}
    found: dict[str, Stage] = {}
    for line in logical_lines(path.read_text()):
        instruction, _, text = line.partition(" ")
        instruction, text = instruction.upper(), text.strip()
        if instruction == "ARG" and not found:
            name, _, default = text.partition("=")
            build_arguments[name] = default
        elif instruction == "FROM":
            words = text.split()
            base = re.sub(r"\$\{?(\w+)\}?", lambda m: build_arguments[m.group(1)], words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else base
            found[name] = Stage(name, base)
        else:
            list(found.values())[-1].instructions.append((instruction, text))
    return found


def lineage(name: str, found: dict[str, Stage]) -> list[Stage]:
    """The stage and the stages it builds on, the first base last."""
    chain = [found[name]]
    while chain[-1].base in found:
        chain.append(found[chain[-1].base])
    return chain


def exec_form(text: str) -> list[str]:
    """An instruction's JSON (exec form) arguments."""
    return json.loads(text)
