"""The Kubernetes manifests (deploy/k8s), rendered offline as `kubectl apply -k` would send
them, checked against the Kubernetes schemas and against the services they run."""

from __future__ import annotations

import functools
from pathlib import Path

import kubernetes_validate
import pytest
from jsonschema import ValidationError  # what kubernetes_validate raises

from client.certs import dns_names, write_development_certificates
from tests.deploy.kustomize import Manifest, build, pod_containers, secret_files, split_image
from tests.deploy.services import (
    BACKENDS,
    DEPLOY,
    MODEL_SERVICES,
    SETTINGS,
    check_environment,
    default_port,
    prefix,
)

K8S = DEPLOY / "k8s"
OVERLAYS = ("cpu", "gpu")
# The oldest Kubernetes minor the manifests are written for.
KUBERNETES_VERSION = "1.31"
NAMESPACE = "fitness"
USER_ID = 10001  # the images' user (deploy/docker/Dockerfile)
GPU = "nvidia.com/gpu"


@functools.cache
def rendered(overlay: str) -> tuple[Manifest, ...]:
    return tuple(build(K8S / "overlays" / overlay))


def find(overlay: str, kind: str, name: str) -> Manifest:
    matches = [o for o in rendered(overlay) if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} objects in the {overlay} overlay"
    return matches[0]


def container(overlay: str, service: str) -> Manifest:
    (only,) = pod_containers(find(overlay, "Deployment", service))
    assert only["name"] == service
    return only


def environment(overlay: str, service: str) -> dict[str, str]:
    variables = container(overlay, service).get("env", [])
    assert all("value" in variable for variable in variables), "values only, no references"
    return {variable["name"]: variable["value"] for variable in variables}


def setting(overlay: str, service: str, field: str) -> str:
    return environment(overlay, service)[prefix(service) + field.upper()]


def port_named(overlay: str, service: str, name: str) -> int:
    ports = {port["name"]: port["containerPort"] for port in container(overlay, service)["ports"]}
    return ports[name]


def pod_spec(overlay: str, service: str) -> Manifest:
    return find(overlay, "Deployment", service)["spec"]["template"]["spec"]


def selects(selector: dict[str, str], deployment: Manifest) -> bool:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(key) == value for key, value in selector.items())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_kubernetes(overlay: str) -> None:
    errors = []
    for item in rendered(overlay):
        try:
            kubernetes_validate.validate(item, KUBERNETES_VERSION, strict=True)
        except ValidationError as error:
            where = "/".join(str(part) for part in error.absolute_path)
            errors.append(f"{item['kind']}/{item['metadata']['name']} at {where}: {error.message}")
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lives_in_the_namespace_the_certificates_name(overlay: str) -> None:
    assert find(overlay, "Namespace", NAMESPACE)
    namespaced = [o for o in rendered(overlay) if o["kind"] != "Namespace"]
    assert {o["metadata"].get("namespace") for o in namespaced} == {NAMESPACE}


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SETTINGS)
def test_container_environment_is_settings_of_its_service(
    overlay: str, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_environment(service, environment(overlay, service), monkeypatch)


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SETTINGS)
def test_each_service_listens_on_all_interfaces_on_its_own_port(overlay: str, service: str) -> None:
    assert setting(overlay, service, "host") == "0.0.0.0"
    port = default_port(service)
    assert int(setting(overlay, service, "port")) == port_named(overlay, service, "grpc") == port


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SETTINGS)
def test_probes_ask_grpc_health_on_the_plaintext_health_port(overlay: str, service: str) -> None:
    health_port = int(setting(overlay, service, "health_port"))
    assert health_port == port_named(overlay, service, "health")
    assert health_port != port_named(overlay, service, "grpc")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container(overlay, service)[probe]["grpc"] == {"port": health_port}, probe


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SETTINGS)
def test_prometheus_scrapes_the_metrics_port(overlay: str, service: str) -> None:
    metrics_port = int(setting(overlay, service, "metrics_port"))
    assert metrics_port == port_named(overlay, service, "metrics") == 9090
    annotations = find(overlay, "Deployment", service)["spec"]["template"]["metadata"][
        "annotations"
    ]
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(metrics_port),
        "prometheus.io/path": "/metrics",
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SETTINGS)
def test_pods_run_as_the_images_user_on_a_read_only_root(overlay: str, service: str) -> None:
    pod = pod_spec(overlay, service)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == USER_ID
    assert pod["automountServiceAccountToken"] is False
    context = container(overlay, service)["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    mounts = {
        mount["mountPath"]: mount["name"] for mount in container(overlay, service)["volumeMounts"]
    }
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]], "/tmp is the writable place"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SETTINGS)
def test_every_container_asks_for_cpu_and_memory(overlay: str, service: str) -> None:
    resources = container(overlay, service)["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"])
    assert "memory" in resources["limits"]


def test_gpus_go_to_pose_and_action_in_the_gpu_overlay_only() -> None:
    for service in SETTINGS:
        cpu = container("cpu", service)["resources"]
        assert GPU not in cpu.get("limits", {})
        assert GPU not in cpu.get("requests", {})
        assert "nodeSelector" not in pod_spec("cpu", service)
        gpu = container("gpu", service)["resources"]
        if service in MODEL_SERVICES:
            assert gpu["limits"][GPU] == 1
            assert pod_spec("gpu", service)["nodeSelector"] == {f"{GPU}.present": "true"}
            tolerations = pod_spec("gpu", service)["tolerations"]
            assert {"key": GPU, "operator": "Exists", "effect": "NoSchedule"} in tolerations
        else:
            assert GPU not in gpu.get("limits", {})
            assert GPU not in gpu.get("requests", {})


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_tagged_for_the_hardware_they_run_on(overlay: str) -> None:
    for service in SETTINGS:
        name, tag, _ = split_image(container(overlay, service)["image"])
        assert name == f"smart-fitness-trainer/{service}"
        cuda = overlay == "gpu" and service in MODEL_SERVICES
        assert tag == ("0.1.0-cu130" if cuda else "0.1.0-cpu")


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_gateway_reaches_every_replica_through_a_headless_service(
    overlay: str, backend: str
) -> None:
    target = setting(overlay, "gateway", f"{backend}_targets")
    assert target.startswith("dns:///"), "one DNS name that lists every replica"
    host, _, port = target.removeprefix("dns:///").rpartition(":")
    service = find(overlay, "Service", host)
    assert service["spec"]["clusterIP"] == "None"
    assert selects(service["spec"]["selector"], find(overlay, "Deployment", backend))
    assert [p["port"] for p in service["spec"]["ports"]] == [int(port)] == [default_port(backend)]
    assert host in dns_names(backend, NAMESPACE), "the backend's certificate names the host"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SETTINGS)
def test_each_deployment_selects_its_own_pods(overlay: str, service: str) -> None:
    deployment = find(overlay, "Deployment", service)
    assert deployment["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": service}
    assert selects(deployment["spec"]["selector"]["matchLabels"], deployment)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_selects_a_deployment_and_names_its_ports(overlay: str) -> None:
    deployments = [o for o in rendered(overlay) if o["kind"] == "Deployment"]
    for service in (o for o in rendered(overlay) if o["kind"] == "Service"):
        (selected,) = [d for d in deployments if selects(service["spec"]["selector"], d)]
        names = {p["name"] for c in pod_containers(selected) for p in c["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= names


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SETTINGS)
def test_every_deployment_has_a_disruption_budget(overlay: str, service: str) -> None:
    budget = find(overlay, "PodDisruptionBudget", service)["spec"]
    assert selects(budget["selector"]["matchLabels"], find(overlay, "Deployment", service))
    assert budget["maxUnavailable"] == 1, "a single replica can still be drained"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", MODEL_SERVICES)
def test_pose_and_action_scale_with_an_autoscaler(overlay: str, service: str) -> None:
    autoscaler = find(overlay, "HorizontalPodAutoscaler", service)
    assert autoscaler["apiVersion"] == "autoscaling/v2"
    target = autoscaler["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", service)
    assert 1 <= autoscaler["spec"]["minReplicas"] < autoscaler["spec"]["maxReplicas"]
    assert "replicas" not in find(overlay, "Deployment", service)["spec"], "the autoscaler owns it"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SETTINGS)
def test_files_named_by_settings_are_mounted_from_secrets_and_config_maps(
    overlay: str, service: str
) -> None:
    files = {}
    for volume in pod_spec(overlay, service)["volumes"]:
        if "secret" in volume:
            item = find(overlay, "Secret", volume["secret"]["secretName"])
            files[volume["name"]] = set(item["data"])
        if "configMap" in volume:
            files[volume["name"]] = set(
                find(overlay, "ConfigMap", volume["configMap"]["name"])["data"]
            )
    mounted = {
        Path(mount["mountPath"], key)
        for mount in container(overlay, service)["volumeMounts"]
        for key in files.get(mount["name"], ())
    }
    suffixes = ("_TLS_CERT", "_TLS_KEY", "_TLS_CLIENT_CA", "_TOKENS_FILE", "_TORCHSERVE_CONFIG")
    named = {
        Path(value)
        for name, value in environment(overlay, service).items()
        if name.endswith(suffixes)
    }
    assert named, "TLS on every service"
    assert named <= mounted


def test_secrets_are_made_from_what_fitness_certs_writes(tmp_path: Path) -> None:
    write_development_certificates(tmp_path, namespace=NAMESPACE)
    for name, files in secret_files(K8S / "base").items():
        if name == "gateway-tokens":
            assert files == ["secrets/tokens"]
            continue
        service = name.removesuffix("-tls")
        assert sorted(files) == sorted(
            f"secrets/{file}" for file in ("ca.pem", f"{service}.pem", f"{service}-key.pem")
        )
        assert all((tmp_path / Path(file).name).is_file() for file in files)


def test_secret_files_stay_out_of_git() -> None:
    ignored = (K8S / "base" / "secrets" / ".gitignore").read_text().split()
    assert "*" in ignored
    assert "!.gitignore" in ignored


def test_torchserve_properties_leave_addresses_and_tokens_to_the_service() -> None:
    properties = find("cpu", "ConfigMap", "torchserve-config")["data"]["config.properties"]
    keys = {
        line.partition("=")[0].strip()
        for line in properties.splitlines()
        if line.strip() and not line.startswith("#")
    }
    owned_by_the_service = {
        "inference_address",
        "management_address",
        "metrics_address",
        "grpc_inference_address",
        "grpc_management_address",
        "grpc_inference_port",
        "grpc_management_port",
        "disable_token_authorization",
        "model_store",
        "load_models",
    }
    assert keys
    assert not keys & owned_by_the_service
