"""The Celery contender of the Pymar.Hosting benchmarks (Debian's python3-celery, 5.2).

    python3 celery_contender.py worker --broker URI --prefix P --slots N
    python3 celery_contender.py client --broker URI --prefix P

Both print "ready" once connected. The client then reads commands on stdin, one per line: "job N" runs a
group of N tasks answer(i) for i in 0..N-1 and prints "done <nanoseconds> <sum of the answers>", timed here so the
pipe is not counted; "quit" ends it. Celery's defaults otherwise: a classic durable queue, persistent messages, no
publisher confirms, the rpc result backend; acks after the task (acks_late) and a prefetch of one per process, as
the other contenders hold at most their slots.
"""

import argparse
import sys
import time

from celery import Celery, group
from celery.signals import worker_ready


def make_app(broker, prefix):
    app = Celery("pymar_bench", broker=broker, backend="rpc://")
    app.conf.update(
        task_default_queue=prefix + "celery",
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        result_expires=None,
        worker_hijack_root_logger=False,
        # The harness reads "ready" on stdout: Celery would otherwise send prints to its log.
        worker_redirect_stdouts=False,
    )

    @app.task(name="pymar_bench.answer")
    def answer(index):
        return index + 1

    return app, answer


def run_worker(app, prefix, slots):
    # Stopped by the harness with a kill of its process tree: a thread reading stdin here would be forked into the
    # prefork pool's children while holding stdin's lock, and they would hang.
    @worker_ready.connect
    def announce(**_):
        print("ready", flush=True)

    app.worker_main([
        "worker", "--pool", "prefork", "--concurrency", str(slots), "--queues", prefix + "celery",
        "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
    ])


def run_client(answer):
    # One small job first: connects the producer and the result consumer before anything is timed.
    group(answer.s(i) for i in range(2)).apply_async().get(timeout=120)
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command:
            continue
        if command[0] == "quit":
            return
        if command[0] != "job" or len(command) != 2:
            print("error unknown command " + line.strip(), flush=True)
            continue
        count = int(command[1])
        started = time.perf_counter_ns()
        values = group(answer.s(i) for i in range(count)).apply_async().get(timeout=600)
        elapsed = time.perf_counter_ns() - started
        print("done %d %d" % (elapsed, sum(values)), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["worker", "client"])
    parser.add_argument("--broker", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--slots", type=int, default=2)
    args = parser.parse_args()
    app, answer = make_app(args.broker, args.prefix)
    if args.role == "worker":
        run_worker(app, args.prefix, args.slots)
    else:
        run_client(answer)


if __name__ == "__main__":
    main()
