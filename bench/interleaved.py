#!/usr/bin/env python3
"""Time two commands doing the same work, interleaved, and print their medians and ratio.

Why interleaved: running all of one command's runs and then all of the other's (as hyperfine
does) lets any drift of the machine between the two halves (disk flushes, frequency, other
load) land in the ratio. Here run i of each command happens back to back, and the order of
the pair alternates, so drift and order effects fall on both alike.

Why a confidence interval: RSA key generation searches for primes, and one run can take
several times another; the ratio of medians then has an error of its own. A bootstrap over
the runs (resampling each command's times) prints the 95% interval so that a reader can
tell a real difference from noise.

Usage: interleaved.py --name NAME --runs N [--prepare CMD] --ours CMD --theirs CMD
Commands are split like a shell would (shlex) and run without a shell; --prepare runs
before every timed run and is not timed. Prints one line:
  NAME  runs N  sshkeyctl Xs  ssh-keygen Ys  ratio R  (95%: lo-hi)
"""
import argparse
import random
import shlex
import statistics
import subprocess
import sys
import time


def run(argv):
    started = time.perf_counter()
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit("%s: exit %d: %s" % (" ".join(argv), done.returncode,
                                      done.stderr.decode(errors="replace").strip()))
    return elapsed


def bootstrap_ratio_interval(ours, theirs, resamples=2000):
    rng = random.Random(1)
    ratios = []
    for _ in range(resamples):
        o = statistics.median(rng.choices(ours, k=len(ours)))
        t = statistics.median(rng.choices(theirs, k=len(theirs)))
        ratios.append(o / t)
    ratios.sort()
    return ratios[int(0.025 * resamples)], ratios[int(0.975 * resamples) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--prepare", default="")
    parser.add_argument("--ours", required=True)
    parser.add_argument("--theirs", required=True)
    args = parser.parse_args()
    prepare = shlex.split(args.prepare)
    commands = {"ours": shlex.split(args.ours), "theirs": shlex.split(args.theirs)}
    times = {"ours": [], "theirs": []}

    for i in range(args.runs + 1):  # run 0 warms the page cache and is not counted
        order = ("ours", "theirs") if i % 2 == 0 else ("theirs", "ours")
        for who in order:
            if prepare:
                run(prepare)
            elapsed = run(commands[who])
            if i > 0:
                times[who].append(elapsed)

    ours, theirs = statistics.median(times["ours"]), statistics.median(times["theirs"])
    low, high = bootstrap_ratio_interval(times["ours"], times["theirs"])
    print("%-38s runs %4d  sshkeyctl %8.4fs  ssh-keygen %8.4fs  ratio %.2f  (95%%: %.2f-%.2f)"
          % (args.name, args.runs, ours, theirs, ours / theirs, low, high))


if __name__ == "__main__":
    main()
