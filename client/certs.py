"""`fitness certs`: a development certificate authority and a certificate per service.

Every certificate serves both ends of mutual TLS (server and client authentication) and
names the service the ways it is reached: on this machine (`localhost`, 127.0.0.1, ::1), in
compose (`pose`), and in Kubernetes (`pose.fitness.svc`, the headless `pose-headless`...).
For development and tests only: production certificates come from the cluster's issuer.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVICE_NAMES = ("gateway", "pose", "action", "scoring", "client")
CA_NAME = "Smart Fitness Trainer development CA"


def _subject(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def dns_names(name: str, namespace: str) -> list[str]:
    """The host names a service's certificate covers."""
    names = [name, f"{name}-headless", "localhost"]
    for service in (name, f"{name}-headless"):
        names += [f"{service}.{namespace}", f"{service}.{namespace}.svc"]
        names.append(f"{service}.{namespace}.svc.cluster.local")
    return names


def write_development_certificates(
    folder: Path,
    names: Sequence[str] = SERVICE_NAMES,
    *,
    namespace: str = "fitness",
    days: int = 365,
) -> list[Path]:
    """Writes `ca.pem`, `ca-key.pem` and `<name>.pem`, `<name>-key.pem` for each name into
    `folder`; returns the certificate paths, the CA's first. Keys are readable by the owner
    only."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    not_before = now - datetime.timedelta(minutes=5)  # a little clock skew
    not_after = now + datetime.timedelta(days=days)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_certificate = (
        x509.CertificateBuilder()
        .subject_name(_subject(CA_NAME))
        .issuer_name(_subject(CA_NAME))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    written = [folder / "ca.pem"]
    written[0].write_bytes(ca_certificate.public_bytes(serialization.Encoding.PEM))
    _write_key(ca_key, folder / "ca-key.pem")

    addresses = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    for name in names:
        key = ec.generate_private_key(ec.SECP256R1())
        alternative_names = [x509.DNSName(host) for host in dns_names(name, namespace)]
        alternative_names += [x509.IPAddress(address) for address in addresses]
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_subject(name))
            .issuer_name(ca_certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        path = folder / f"{name}.pem"
        path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        _write_key(key, folder / f"{name}-key.pem")
        written.append(path)
    return written
