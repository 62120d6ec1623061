"""Scale-out and security: gateway throughput with one and with two pose replicas, and the
latency TLS adds, on this machine (its core count printed beside the numbers).

Three stacks run as `fitness serve all` runs them, each on the same four gym clips: plaintext
with one pose replica (the baseline), plaintext with two, and TLS on every hop (mutual between
the services) with a bearer token at the gateway and one pose replica. Throughput is four
videos at once; latency is one video alone. The three stacks run side by side, and each round
measures them in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
from pathlib import Path

from bench.gateway_throughput import MODELS, gym_clips, loopback_config, run_batch
from client.certs import write_development_certificates
from client.stack import LocalStack, build_archives
from common.security import ClientSecurity
from common.video import probe_video

TOKEN = "bench-token"
ROUNDS = 5
SETUPS = {  # name: (pose replicas, TLS and token)
    "1 pose replica": (1, False),
    "2 pose replicas": (2, False),
    "1 pose replica, TLS + token": (1, True),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as running:
        folder = Path(tmp)
        videos = gym_clips(folder)
        frames = sum(probe_video(video).frame_count for video in videos)
        store = folder / "model-store"
        build_archives(MODELS, store)
        write_development_certificates(folder / "certs")
        (folder / "tokens").write_text(f"{TOKEN}\n")
        targets = {}
        for number, (name, (replicas, secure)) in enumerate(SETUPS.items()):
            more = {"pose_replicas": replicas}
            if secure:
                more |= {"tls_dir": folder / "certs", "auth_tokens_file": folder / "tokens"}
            config = loopback_config(store, folder / f"stack{number}", [], **more)
            stack = running.enter_context(LocalStack(config))
            ca = stack.client_security.ca
            credentials = ClientSecurity(ca, token=TOKEN).credentials() if secure else None
            targets[name] = (stack.address(config.gateway_port), credentials)
            asyncio.run(run_batch(targets[name][0], videos[:1], credentials))  # warm-up
        # Rounds take the setups in turn, so that the machine's drift spreads over all.
        rates: dict[str, list[float]] = {name: [] for name in SETUPS}
        latencies: dict[str, list[float]] = {name: [] for name in SETUPS}
        for _ in range(ROUNDS):
            for name, (address, credentials) in targets.items():
                latencies[name].append(asyncio.run(run_batch(address, videos[:1], credentials))[0])
                wall, _ = asyncio.run(run_batch(address, videos, credentials))
                rates[name].append(frames / wall)
    cores = len(os.sched_getaffinity(0))
    print(f"Gateway scale-out and TLS ({cores} CPU cores; TorchServe, every replica and")
    print("service on this machine; 480x360 30 fps gym clips, 3 reps each; medians of")
    print(f"{ROUNDS} rounds taking the setups in turn)")
    print("| setup | video frames/s, 4 at once | vs 1 replica | latency s, 1 alone "
          "| vs plaintext |")  # fmt: skip
    print("|---|---|---|---|---|")
    base_rate = statistics.median(rates["1 pose replica"])
    base_latency = statistics.median(latencies["1 pose replica"])
    for name in SETUPS:
        rate, latency = statistics.median(rates[name]), statistics.median(latencies[name])
        print(
            f"| {name} | {rate:.1f} | {rate / base_rate:.2f} | {latency:.2f} "
            f"| {latency / base_latency:.2f} |"
        )


if __name__ == "__main__":
    main()
