#!/usr/bin/python3
"""How often route health's failure threshold opens a route that is not down.

A model of nodes/router/route_health.cc's closed -> open rule (at least MIN_CALLS calls over the
window, a share RATE of them failed) and its probe, for one route called QPS times a second whose
calls each fail with probability P. Prints, for each (min_calls, rate), the share of calls that
found the route open and the openings per run, over SEEDS runs of N calls. Used to choose the
defaults (docs/routing.md, "Why these defaults"):

    /usr/bin/python3 bench/routing/breaker_simulation.py
"""
import random


def simulate(p, min_calls, rate, open_for, n=500, qps=50, window=30, seeds=200):
    skipped = 0
    opens = 0
    for seed in range(seeds):
        rng = random.Random(seed)
        samples = []
        open_until = None
        for i in range(n):
            t = i / qps
            if open_until is not None and t < open_until:
                skipped += 1
                continue
            failed = rng.random() < p
            if open_until is not None:  # half-open: this call is the probe
                open_until = None
                samples = []
                if failed:
                    open_until = t + open_for
                    continue
            samples = [s for s in samples if s[0] > t - window] + [(t, failed)]
            failures = sum(1 for s in samples if s[1])
            if len(samples) >= min_calls and failures >= rate * len(samples):
                open_until = t + open_for
                opens += 1
    return skipped / (n * seeds), opens / seeds


def main():
    for p in (0.2, 0.3):
        for min_calls, rate in ((5, 0.5), (10, 0.5), (10, 0.6), (20, 0.5)):
            skipped, opens = simulate(p, min_calls, rate, open_for=5)
            print(f"fails {p:.0%}: min_calls {min_calls}, rate {rate:.0%}: "
                  f"{skipped:.2%} of calls skipped, {opens:.3f} openings per run")


if __name__ == "__main__":
    main()
