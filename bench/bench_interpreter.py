"""Benchmark 1: interpreter overhead — our generic workflow vs a hand-written Temporal workflow.

The seed's expense flow (machine step -> human step -> machine step), N instances started
concurrently (default 200), each human step completed as soon as it waits:

(a) ``TemporalExecutionEngine`` + the generic interpreter workflow: ``start_workflow``
    (update-with-start, returns once waiting) then ``complete_human_task`` (update, returns
    once completed);
(b) a hand-written workflow and activities doing the same three steps (the same step code
    from :mod:`examples.expense_approval`) with the same pattern: update-with-start of a
    wait-for-settle update, then one completion update validated the same way (state,
    group membership, JSON Schema) that returns once the instance completed.

Both run on one dev server and one worker process (a subprocess hosting both, on two task
queues, with the same limits), alternating (a, b, a, b, ...) for ``--rounds`` rounds after
a warm-up; we report the median instances/s and start-to-finish latency (p50/p95) and
the Temporal history events per instance. Results go to ``bench/results/<--out>.{json,md}``
(``interpreter`` by default).

Usage: ``python -m bench.bench_interpreter [--n 200] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.common import child_pids, cpu_seconds, percentile, summary, write_results
from bench.hand_written import Decision, HandWrittenExpense, process_result, submit_request
from litestar_workflows.temporal.contracts import DATA_CONVERTER

ROOT = Path(__file__).resolve().parents[1]
QUEUE_GENERIC = "bench-generic"
QUEUE_HAND = "bench-hand-written"
DATA = {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"}
DECISION = {"approved": True, "comments": "ok"}


# --- worker process -------------------------------------------------------------------------


async def run_worker(address: str) -> None:
    """Both contenders' workers in one process, on their own queues, same limits."""
    from examples.expense_approval import registry
    from worker import build_worker, sandbox_runner

    client = await Client.connect(address, data_converter=DATA_CONVERTER)
    generic = build_worker(client, registry, QUEUE_GENERIC)
    hand = Worker(
        client,
        task_queue=QUEUE_HAND,
        workflows=[HandWrittenExpense],
        activities=[submit_request, process_result],
        workflow_runner=sandbox_runner(),
    )
    async with generic, hand:
        print("bench worker ready", flush=True)
        await asyncio.Event().wait()


# --- driver -----------------------------------------------------------------------------------


async def one_generic(engine: Any) -> float:
    """Start, complete as soon as waiting; return seconds start-to-finish."""
    start = time.perf_counter()
    instance = await engine.start_workflow("expense_approval", DATA)
    assert instance.status.value == "waiting", instance.error
    await engine.complete_human_task(instance.id, "manager_approval", "bob", DECISION, groups=["managers"])
    assert instance.status.value == "completed", instance.error
    return time.perf_counter() - start


async def one_hand(client: Client) -> float:
    """Same for the hand-written workflow."""
    start = time.perf_counter()
    workflow_id = str(uuid.uuid4())
    operation: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
        HandWrittenExpense.run,
        DATA,
        id=workflow_id,
        task_queue=QUEUE_HAND,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    settled: dict[str, Any] = await client.execute_update_with_start_workflow(
        "wait_settled", start_workflow_operation=operation, result_type=dict
    )
    assert settled["status"] == "waiting"
    done: dict[str, Any] = await client.get_workflow_handle(workflow_id).execute_update(
        "complete", Decision("manager_approval", "bob", DECISION, ["managers"]), result_type=dict
    )
    assert done["status"] == "completed"
    return time.perf_counter() - start


async def round_of(n: int, make: Any, processes: dict[str, int] | None = None) -> dict[str, Any]:
    """N instances concurrently; throughput, latencies and (given ``processes``, name -> pid) the
    CPU milliseconds each process spent per instance."""
    before = {name: cpu_seconds(pid) for name, pid in (processes or {}).items()}
    start = time.perf_counter()
    latencies = await asyncio.gather(*(make() for _ in range(n)))
    wall = time.perf_counter() - start
    result = {
        "seconds": wall,
        "per_second": n / wall,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
    }
    for name, pid in (processes or {}).items():
        used, began = cpu_seconds(pid), before[name]
        if used is not None and began is not None:
            result[f"cpu_ms_{name}"] = (used - began) * 1000 / n
    return result


async def events_per_instance(client: Client, query: str, sample: int = 5) -> float:
    """Median number of history events of up to ``sample`` completed instances."""
    counts = []
    async for execution in client.list_workflows(query, limit=sample):
        history = await client.get_workflow_handle(execution.id).fetch_history()
        counts.append(len(history.events))
    return statistics.median(counts)


async def drive(n: int, rounds: int) -> dict[str, Any]:
    """Start the server and the worker process, run the rounds, collect the figures."""
    from examples.expense_approval import registry
    from litestar_workflows.temporal.contracts import SEARCH_ATTRIBUTES, WORKFLOW_TYPE
    from litestar_workflows.temporal.engine import TemporalExecutionEngine

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_log_level="error",
        data_converter=DATA_CONVERTER,
    )
    address = str(env.client.service_client.config.target_host)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.bench_interpreter",
        "--worker",
        address,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(60):
            while True:
                line = await proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"the bench worker exited with {await proc.wait()}")
                if b"bench worker ready" in line:
                    break
        client = env.client
        servers = child_pids(os.getpid(), "temporal")
        processes = {"driver": os.getpid(), "worker": proc.pid, **({"server": servers[0]} if servers else {})}
        engine = TemporalExecutionEngine(registry, client, QUEUE_GENERIC, settle_timeout=300)
        contenders = {
            "generic": lambda: one_generic(engine),
            "hand_written": lambda: one_hand(client),
        }
        for make in contenders.values():  # warm-up: caches, JIT of the sandbox, connections
            await round_of(min(n, 20), make)
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
        for index in range(rounds):
            for name, make in contenders.items():
                result = await round_of(n, make, processes)
                results[name].append(result)
                cpu = sum(v for k, v in result.items() if k.startswith("cpu_ms_"))
                rate, p50 = result["per_second"], result["p50_ms"]
                print(f"round {index + 1} {name}: {rate:.1f}/s p50 {p50:.0f} ms, {cpu:.0f} ms CPU per instance")
        events = {
            "generic": await events_per_instance(
                client, f"WorkflowType = '{WORKFLOW_TYPE}' AND ExecutionStatus = 'Completed'"
            ),
            "hand_written": await events_per_instance(
                client, "WorkflowType = 'bench.HandWrittenExpense' AND ExecutionStatus = 'Completed'"
            ),
        }
    finally:
        proc.kill()
        await proc.wait()
        await env.shutdown()
    return {"n": n, "rounds": rounds, "results": results, "events_per_instance": events}


def report(payload: dict[str, Any], out: str = "interpreter") -> Path:
    """Write the JSON and Markdown results to ``bench/results/<out>.{json,md}``."""
    results, events = payload["results"], payload["events_per_instance"]
    keys = ("per_second", "p50_ms", "p95_ms", *(f"cpu_ms_{p}" for p in ("server", "worker", "driver")))
    stats = {
        name: {key: summary([r[key] for r in runs]) for key in keys if all(key in r for r in runs)}
        for name, runs in results.items()
    }
    payload["summary"] = stats
    ratio = stats["generic"]["per_second"]["median"] / stats["hand_written"]["per_second"]["median"]
    payload["throughput_ratio"] = ratio

    def cell(name: str, key: str, fmt: str) -> str:
        s = stats[name][key]
        return f"{s['median']:{fmt}} ({s['min']:{fmt}}-{s['max']:{fmt}})"

    cpu_keys = [k for k in keys[3:] if k in stats["generic"] and k in stats["hand_written"]]
    table = [
        [
            "contender",
            "instances/s, median (min-max)",
            "p50 ms",
            "p95 ms",
            "history events / instance",
            *(f"CPU ms / instance, {k.removeprefix('cpu_ms_')}" for k in cpu_keys),
        ]
    ]
    for name, label in (("generic", "TemporalExecutionEngine + generic workflow"), ("hand_written", "hand-written")):
        table.append(
            [
                label,
                cell(name, "per_second", ".1f"),
                cell(name, "p50_ms", ".0f"),
                cell(name, "p95_ms", ".0f"),
                f"{events[name]:g}",
                *(cell(name, k, ".1f") for k in cpu_keys),
            ]
        )
    cpu = {name: sum(stats[name][k]["median"] for k in cpu_keys) for name in ("generic", "hand_written")}
    cpu_note = (
        f" CPU per instance, all three processes (medians): {cpu['generic']:.1f} vs {cpu['hand_written']:.1f} ms "
        f"(hand-written / generic **{cpu['hand_written'] / cpu['generic']:.2f}x**; less noisy than the throughput "
        f"on a shared machine)."
        if cpu_keys
        else ""
    )
    notes = (
        f"{payload['n']} instances started concurrently per round, {payload['rounds']} rounds per contender, "
        f"alternating, after a warm-up; one dev server (in-memory SQLite) and one worker process hosting both "
        f"contenders. Generic / hand-written throughput: **{ratio:.2f}x**; history events "
        f"{events['generic']:g} vs {events['hand_written']:g}.{cpu_note} "
        f"Reproduce: `python -m bench.bench_interpreter`."
    )
    title = f"Interpreter overhead: generic workflow vs hand-written (N={payload['n']})"
    return write_results(out, title, payload, table, notes)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="instances per round (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    parser.add_argument("--out", default="interpreter", help="result file name under bench/results/")
    parser.add_argument("--worker", metavar="ADDRESS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        asyncio.run(run_worker(args.worker))
        return
    payload = asyncio.run(drive(args.n, args.rounds))
    print(report(payload, args.out).read_text())


if __name__ == "__main__":
    main()
