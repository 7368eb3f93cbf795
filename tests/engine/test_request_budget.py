"""What plan costs in requests, counted from what the emulator received: within
N/100 + 2 x agents + 5 for N managed campaigns, witnesses included."""

from __future__ import annotations

import json
import math

from tests.conftest import AGENT, AGENT2, Vozzo

N = 230  # more than two pages for each agent at 100 a page


def write_keys(vozzo: Vozzo, first: int, n: int) -> None:
    docs = []
    for i in range(first, first + n):
        docs.append(
            {
                "apiVersion": "vozzoctl/v1",
                "kind": "Campaign",
                "metadata": {"name": f"k{i:04d}"},
                "spec": {
                    "name": f"Key {i:04d}",
                    "agent": (AGENT, AGENT2)[i % 2],
                    "schedule": {"start_date": vozzo.day(1), "start_hour": 9, "end_hour": 18},
                    "retry": {"max_attempts": 3},
                    "recipients": [{"phone": f"+9198{i:08d}"}],
                },
            }
        )
    text = "\n---\n".join(json.dumps(d) for d in docs)  # JSON is YAML
    vozzo.write(f"campaigns/part{first:04d}.yaml", text + "\n")


def test_plan_reads_within_budget_with_both_witnesses(vozzo: Vozzo) -> None:
    write_keys(vozzo, 0, N)
    done = vozzo.run("apply", "--auto-approve", "--max-new-recipients", "1000")
    assert done.code == 0, done.all
    emulator = vozzo.app.emulator
    budget = N / 100 + 2 * 2 + 5

    emulator.clear_requests()
    assert vozzo.run("plan", "--detailed-exitcode").code == 0
    no_changes = [f"{r.method} {r.path}" for r in emulator.requests]
    assert len(no_changes) <= budget, no_changes
    assert all(r.startswith("GET ") for r in no_changes)

    write_keys(vozzo, N, 4)  # four names the lockfile does not record: creates
    emulator.clear_requests()
    made = vozzo.run("plan")
    assert made.code == 0, made.all
    assert "Plan: 4 to create;" in made.out
    log = [r.path for r in emulator.requests]
    assert len(log) <= (N + 4) / 100 + 2 * 2 + 5, log
    for agent in (AGENT, AGENT2):
        pages = [i for i, p in enumerate(log) if p == f"/v1alpha/campaigns/agent/{agent}"]
        count = log.index(f"/v1alpha/campaigns/agent/{agent}/count")
        assert len(pages) == math.ceil(N / 2 / 100)
        assert count > max(pages)  # the count is read after the list: the second witness
