"""Generates the Python stubs of `protos/fitness/v1` into `common/fitness/v1`.

Run `python -m common.protogen` after editing a proto (the Makefile's `proto` target), or
`python -m common.protogen --check` to fail when the committed stubs are stale.

protoc writes imports as `from fitness.v1 import x_pb2`, which only resolve when the stubs
are a top-level package. They live inside `common` instead, so the generated imports are
rewritten to `from common.fitness.v1 import x_pb2`; nothing else is touched.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.resources
import re
import shutil
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

REPO_ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO_ROOT / "protos"
STUB_ROOT = REPO_ROOT / "common"
PACKAGE_DIR = Path("fitness") / "v1"
_GENERATED_IMPORT = re.compile(r"^from fitness\.v1 import ", re.MULTILINE)
_PACKAGE_DOCS = {
    PACKAGE_DIR.parent: '"""Generated gRPC stubs of the fitness protos."""\n',
    PACKAGE_DIR: '"""Generated stubs of package fitness.v1 (do not edit: run `make proto`)."""\n',
}


def proto_files() -> list[Path]:
    """Every `.proto` of the package, relative to `protos/`."""
    return sorted(p.relative_to(PROTO_ROOT) for p in (PROTO_ROOT / PACKAGE_DIR).glob("*.proto"))


def generate(out_root: Path) -> list[Path]:
    """Generates messages, gRPC stubs and `.pyi` type stubs under an empty `out_root`.

    Returns:
        The generated files, relative to `out_root`.

    Raises:
        RuntimeError: protoc rejected a proto (its message is on stderr).
    """
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    args = [
        "grpc_tools.protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--proto_path={well_known}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *(str(p) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed on {PROTO_ROOT / PACKAGE_DIR}")
    for path, doc in _PACKAGE_DOCS.items():
        (out_root / path / "__init__.py").write_text(doc)
    generated = _files_under(out_root)
    for rel in generated:
        path = out_root / rel
        path.write_text(_GENERATED_IMPORT.sub("from common.fitness.v1 import ", path.read_text()))
    return generated


def _files_under(root: Path) -> list[Path]:
    """The stub files below `root/fitness`, relative to `root`, caches left out."""
    return sorted(
        p.relative_to(root)
        for p in (root / PACKAGE_DIR.parent).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def stale_files() -> list[Path]:
    """The stubs under `common/` that differ from freshly generated ones, are missing or extra."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        current = _files_under(STUB_ROOT)
        differing = [
            p
            for p in set(fresh) & set(current)
            if not filecmp.cmp(Path(tmp) / p, STUB_ROOT / p, shallow=False)
        ]
        return sorted(set(differing) | (set(fresh) ^ set(current)))


def write_stubs() -> list[Path]:
    """Replaces `common/fitness` with freshly generated stubs."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        shutil.rmtree(STUB_ROOT / PACKAGE_DIR.parent, ignore_errors=True)
        shutil.copytree(Path(tmp) / PACKAGE_DIR.parent, STUB_ROOT / PACKAGE_DIR.parent)
    return fresh


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the stubs are stale")
    args = parser.parse_args(argv)
    if not args.check:
        for path in write_stubs():
            print(f"wrote common/{path}")
        return 0
    stale = stale_files()
    for path in stale:
        print(f"stale: common/{path}", file=sys.stderr)
    if stale:
        print("the stubs are stale: run `make proto` and commit them", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
