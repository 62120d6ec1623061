"""An offline stand-in for `kustomize build`, limited to what deploy/k8s uses.

No kubectl or kustomize runs on our machines, so the tests render the overlays here. It
knows `resources` (manifest files, and folders with a kustomization.yaml), `namespace`,
`images` (newName, newTag, digest), `patches` given by `path` (strategic merge: maps merge,
the lists Kubernetes merges by a key merge by it, other lists are replaced, null deletes)
and `secretGenerator` with `files`. A generated Secret keeps its plain name (kustomize adds
a hash of its content) and holds empty values, as its files are made per cluster and never
committed. Anything else raises: a kustomization that grows a feature this lacks fails its
tests instead of rendering wrongly.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]

KUSTOMIZATION_FIELDS = frozenset(
    {"apiVersion", "kind", "namespace", "resources", "images", "patches", "secretGenerator"}
)

# Kubernetes' merge keys (patchMergeKey) of the lists a strategic merge patch may touch here.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "ports": "containerPort",
    "volumes": "name",
    "volumeMounts": "mountPath",
}


def load_documents(path: Path) -> list[Manifest]:
    """Every non-empty YAML document of a file."""
    with path.open() as stream:
        return [document for document in yaml.safe_load_all(stream) if document]


def build(folder: Path) -> list[Manifest]:
    """The objects `kustomize build folder` would print (Secrets as described above).

    Raises:
        ValueError: The kustomization uses something this stand-in does not know, or a patch
            names no object.
    """
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KUSTOMIZATION_FIELDS
    if unknown:
        raise ValueError(f"{folder}/kustomization.yaml: unsupported fields {sorted(unknown)}")
    objects: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        path = folder / entry
        objects += build(path) if path.is_dir() else load_documents(path)
    objects += [_secret(spec) for spec in kustomization.get("secretGenerator", [])]
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise ValueError(f"only `path:` patches are supported, not {sorted(patch)}")
        for document in load_documents(folder / patch["path"]):
            target = _find(objects, document["kind"], document["metadata"]["name"])
            objects[objects.index(target)] = strategic_merge(target, document)
    for image in kustomization.get("images", []):
        _set_image(objects, image)
    if "namespace" in kustomization:
        for item in objects:
            if item["kind"] != "Namespace":
                item["metadata"]["namespace"] = kustomization["namespace"]
    return objects


def secret_files(folder: Path) -> dict[str, list[str]]:
    """Secret name to the files its generator in `folder/kustomization.yaml` reads."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    return {spec["name"]: spec["files"] for spec in kustomization.get("secretGenerator", [])}


def strategic_merge(base: Any, patch: Any, field: str = "") -> Any:
    """`patch` laid over `base` as a strategic merge patch of the field named `field`."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = copy.deepcopy(base)
        for key, value in patch.items():
            if key.startswith("$"):
                raise ValueError(f"strategic merge directive {key} is not supported")
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = strategic_merge(base[key], value, key) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(patch, list) and field in MERGE_KEYS:
        key = MERGE_KEYS[field]
        merged = copy.deepcopy(base)
        positions = {item[key]: number for number, item in enumerate(merged)}
        for item in patch:
            if item[key] in positions:
                position = positions[item[key]]
                merged[position] = strategic_merge(merged[position], item)
            else:
                merged.append(copy.deepcopy(item))
        return merged
    return copy.deepcopy(patch)


def split_image(image: str) -> tuple[str, str, str]:
    """`name[:tag][@digest]` as (name, tag, digest), missing parts empty."""
    rest, _, digest = image.partition("@")
    name, colon, tag = rest.rpartition(":")
    if not colon or "/" in tag:  # no tag: the colon, if any, was a registry's port
        return rest, "", digest
    return name, tag, digest


def pod_containers(item: Manifest) -> list[Manifest]:
    """The containers (init containers first) of a workload's pod template; [] for others."""
    pod = item.get("spec", {}).get("template", {}).get("spec", {})
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


def _secret(spec: Manifest) -> Manifest:
    if set(spec) != {"name", "files"}:
        raise ValueError(f"only `name` and `files` are supported in secretGenerator: {spec}")
    keys = [
        entry.partition("=")[0] if "=" in entry else Path(entry).name for entry in spec["files"]
    ]
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": spec["name"]},
        "type": "Opaque",
        "data": dict.fromkeys(keys, ""),
    }


def _find(objects: list[Manifest], kind: str, name: str) -> Manifest:
    for item in objects:
        if item["kind"] == kind and item["metadata"]["name"] == name:
            return item
    raise ValueError(f"a patch names {kind}/{name}, which no resource defines")


def _set_image(objects: list[Manifest], image: Manifest) -> None:
    unknown = set(image) - {"name", "newName", "newTag", "digest"}
    if unknown:
        raise ValueError(f"unsupported image fields {sorted(unknown)}")
    for item in objects:
        for container in pod_containers(item):
            name, tag, digest = split_image(container["image"])
            if name != image["name"]:
                continue
            name = image.get("newName", name)
            tag = image.get("newTag", tag)
            digest = image.get("digest", digest)
            container["image"] = (
                name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
            )
