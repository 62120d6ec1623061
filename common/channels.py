"""Client channels to one service that may run as several replicas.

`open_channel(["10.0.0.5:50051", "10.0.0.6:50051"])` spreads calls over the replicas
round-robin and retries a call on another replica when one answers UNAVAILABLE before any
response arrived. A single address is passed to gRPC unchanged, so `dns:///pose:50051` (a
Kubernetes headless Service) re-resolves and follows replicas as they come and go. Callers
set a deadline (`timeout=`) on every call.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Sequence
from typing import Any

import grpc

from common.server import MIB


def retry_service_config(max_attempts: int) -> str:
    """gRPC service config: round-robin over replicas, retry UNAVAILABLE with backoff."""
    config: dict[str, Any] = {"loadBalancingConfig": [{"round_robin": {}}]}
    if max_attempts > 1:
        config["methodConfig"] = [
            {
                "name": [{}],  # every method of every service on this channel
                "retryPolicy": {
                    "maxAttempts": max_attempts,
                    "initialBackoff": "0.05s",
                    "maxBackoff": "1s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ]
    return json.dumps(config)


def channel_options(*, max_message_mb: int = 64, max_attempts: int = 4) -> list[tuple[str, Any]]:
    """Channel arguments: message size caps, round-robin, retries and connections of its own."""
    limit = max_message_mb * MIB
    return [
        # gRPC otherwise shares connections between channels with equal arguments, so a new
        # channel inherits an old one's reconnect backoff and fails at once against a server
        # that has just (re)started on that port.
        ("grpc.use_local_subchannel_pool", 1),
        ("grpc.max_receive_message_length", limit),
        ("grpc.max_send_message_length", limit),
        ("grpc.enable_retries", 1 if max_attempts > 1 else 0),
        ("grpc.service_config", retry_service_config(max_attempts)),
    ]


def replica_addresses(addresses: str | Sequence[str]) -> list[str]:
    """Replica addresses from a list or a comma-separated string, blanks dropped."""
    if isinstance(addresses, str):
        addresses = addresses.split(",")
    return [address.strip() for address in addresses if address.strip()]


def replica_target(addresses: str | Sequence[str]) -> str:
    """One gRPC target for one or several `host:port` replica addresses.

    A single address is returned unchanged. Several are resolved now and joined into an
    `ipv4:` or `ipv6:` target list, which gRPC balances round-robin.

    Raises:
        ValueError: No address, an address without a port, a name that does not resolve, or
            a mix of IPv4 and IPv6 replicas.
    """
    addresses = replica_addresses(addresses)
    if not addresses:
        raise ValueError("no replica address given: pass at least one host:port")
    if len(addresses) == 1:
        return addresses[0]
    resolved = [_resolve(address) for address in addresses]
    versions = {ip.version for ip, _ in resolved}
    if len(versions) > 1:
        raise ValueError(f"replicas mix IPv4 and IPv6 addresses: {list(addresses)}")
    if versions == {4}:
        return "ipv4:" + ",".join(f"{ip}:{port}" for ip, port in resolved)
    return "ipv6:" + ",".join(f"[{ip}]:{port}" for ip, port in resolved)


def _resolve(address: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    host, sep, port_text = address.rpartition(":")
    if not sep or not port_text.isdigit() or not host:
        raise ValueError(f"replica address {address!r} is not host:port")
    host = host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, int(port_text), type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ValueError(f"replica host {host!r} does not resolve: {error}") from error
    return ipaddress.ip_address(infos[0][4][0]), int(port_text)


def open_channel(
    addresses: str | Sequence[str],
    *,
    max_message_mb: int = 64,
    max_attempts: int = 4,
    credentials: grpc.ChannelCredentials | None = None,
) -> grpc.aio.Channel:
    """Opens an asyncio channel to a service's replicas (see the module docstring).

    Args:
        addresses: One target (any gRPC form) or several `host:port` replicas, as a list or
            a comma-separated string.
        max_message_mb: Largest message sent or received, in MiB.
        max_attempts: Attempts per call when replicas answer UNAVAILABLE (1: no retry).
        credentials: TLS credentials; None for plaintext (loopback and tests). Several
            replicas are checked against the first one's host name: their certificates must
            all name it (as replicas of one service do).
    """
    addresses = replica_addresses(addresses)
    target = replica_target(addresses)
    options = channel_options(max_message_mb=max_message_mb, max_attempts=max_attempts)
    if credentials is None:
        return grpc.aio.insecure_channel(target, options=options)
    if len(addresses) > 1:
        options.append(("grpc.default_authority", addresses[0]))
    return grpc.aio.secure_channel(target, credentials, options=options)
