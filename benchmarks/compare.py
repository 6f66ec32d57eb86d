#!/usr/bin/python3
"""compare.py — tapegrad's `bench` side by side with PyTorch on the same workloads.

    /usr/bin/python3 benchmarks/compare.py [--bench BUILD/benchmarks/bench]
        [--threads 1,2] [--reps 5] [--inner 3] [--isa avx512|avx2|generic]
        [name-prefix ...]

In each repetition, every selected figure is measured, for each thread count in
turn, once by tapegrad (a fresh `bench --threads N --reps INNER <name>` process) and
once by PyTorch (a worker process kept alive per thread count), alternating, so that
a change in the machine's load hits both sides. The medians over the repetitions are
printed as a table per thread count and as lines

    RATIO <name> <speed-up> threads=<N>

where speed-up > 1 means tapegrad is faster (ours/theirs for GFLOP/s, theirs/ours for
times). Then, for each further thread count N against the first one B, the median
over repetitions of the speed-up from the extra threads (runs of one figure seconds
apart), for both sides:

    SCALING <name> <tapegrad's> <PyTorch's> threads=<N>/<B>

A matmul-bound figure's table row also shows the median of its fraction of
`peak_fma` (bench's `<name>.peak` line: the FMA loop's GFLOP/s measured in the same
bench process, on the same threads), also printed as

    PEAK <name> <fraction> threads=<N>

(PyTorch's fraction in the table is tapegrad's divided by the speed-up: the same
FLOPs against the same peak). The PyTorch side uses Debian's python3-torch (1.13) with the same shapes, the
same optimizers and random data (see bench.c and torch_workload below):

  - torch.set_num_threads(N), OMP_NUM_THREADS=N, OMP_WAIT_POLICY=PASSIVE (idle OpenMP
    threads sleep instead of spinning against ours), OPENBLAS_NUM_THREADS=N (OpenBLAS
    runs its own threads; torch.set_num_threads does not reach them);
  - BLAS: needs `apt-get install -y libopenblas0-pthread`, without which PyTorch uses
    the reference BLAS (about 1.5 GFLOP/s). OpenBLAS 0.3.21 does not recognise recent
    Xeons and falls back to its SSE3 ("Prescott") kernels; unless OPENBLAS_CORETYPE is
    set, this script sets it to SkylakeX on CPUs with AVX-512 (Haswell with AVX2), so
    that the comparison is against OpenBLAS's own best kernels;
  - --isa NAME passes `--isa NAME` to every bench run (our GEMM micro-kernel) and sets
    OPENBLAS_CORETYPE to the OpenBLAS core of the same instruction set (avx512:
    SkylakeX, avx2: Haswell; generic leaves OpenBLAS's own choice), so that both sides
    multiply with the same vector width. The header line names both, the core as
    OpenBLAS reports it (openblas_get_corename) in the PyTorch worker.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

NAMES = ["gemm_256", "gemm_512", "gemm_1024", "gemm_2048", "tape_op", "xor_step",
         "mlp_epoch", "lstm_32x128", "gru_32x128", "rnn_32x128", "lstm_32x512", "lstm_1x32",
         "conv_step", "attn_step", "hvp_mlp"]
HIGHER_IS_BETTER = {"GFLOP/s"}
# --isa: bench's GEMM micro-kernel and the OpenBLAS core of the same instruction set
# (None: OpenBLAS picks its own, or OPENBLAS_CORETYPE from the environment).
ISA_CORETYPE = {"avx512": "SkylakeX", "avx2": "Haswell", "generic": None}


# ---------------------------------------------------------------- PyTorch worker
def fashion_cnn_model(nn, c1=16, c2=32, hidden=128, dropout=0.25):
    """examples/fashion_cnn.c's network; PyTorch's default initialisation of Conv2d and
    Linear is U(-k, k) with k = 1/sqrt(fan_in) for the weights (kaiming_uniform with
    a = sqrt(5)) and the biases, which is our TG_INIT_TORCH."""
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(dropout), nn.Linear(c2 * 49, hidden), nn.ReLU(),
        nn.Linear(hidden, 10))


def torch_workload(name, inner):
    """Runs one figure in PyTorch; returns (value, unit). Mirrors bench.c."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.manual_seed(0)

    def time_it(run, min_s):
        run(1)
        t0 = time.perf_counter()
        run(1)
        one = time.perf_counter() - t0
        iters = int(min_s / one) + 1 if one > 0 else 1000
        v = []
        for _ in range(inner):
            t0 = time.perf_counter()
            run(iters)
            v.append((time.perf_counter() - t0) / iters)
        return statistics.median(v)

    if name.startswith("gemm_"):
        n = int(name[5:])
        a, b, c = torch.rand(n, n) * 2 - 1, torch.rand(n, n) * 2 - 1, torch.empty(n, n)

        def run(k):
            for _ in range(k):
                torch.mm(a, b, out=c)
        return 2.0 * n ** 3 / time_it(run, 0.2) / 1e9, "GFLOP/s"

    if name == "tape_op":
        w = torch.ones(1, requires_grad=True)

        def run(k):
            for _ in range(k):
                y = torch.ones(1)
                for _ in range(1000):
                    y = y * w
                y.backward()
        return time_it(run, 0.1) / 1000 * 1e9, "ns"

    def train(model, opt, batches, min_s):
        def run(k):
            for _ in range(k):
                x, loss_fn = next(batches)
                opt.zero_grad()
                loss = loss_fn(model, x)
                loss.backward()
                opt.step()
        return time_it(run, min_s)

    if name == "xor_step":
        x = torch.tensor([[0., 0], [0, 1], [1, 0], [1, 1]])
        y = torch.tensor([[0.], [1], [1], [0]])
        model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
        opt = torch.optim.SGD(model.parameters(), lr=0.1)

        def batches():
            while True:
                yield x, lambda m, xb: F.mse_loss(m(xb), y)
        return train(model, opt, batches(), 0.1) * 1e6, "us"

    if name == "mlp_epoch":
        rows, batch = 64 * 64, 64
        data = torch.rand(rows, 784) * 2 - 1
        labels = torch.randint(0, 10, (rows,))
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        opt = torch.optim.Adam(model.parameters())

        def batches():
            i = 0
            while True:
                r0 = (i % (rows // batch)) * batch
                i += 1
                lab = labels[r0:r0 + batch]
                yield data[r0:r0 + batch], lambda m, xb, lab=lab: F.cross_entropy(m(xb), lab)
        return train(model, opt, batches(), 0.2) * 60000 / 64, "s"

    if name == "conv_step":
        rows, batch = 64 * 16, 64
        data = torch.rand(rows, 1, 28, 28) * 2 - 1
        labels = torch.randint(0, 10, (rows,))
        model = fashion_cnn_model(nn)
        opt = torch.optim.Adam(model.parameters())

        def batches():
            i = 0
            while True:
                r0 = (i % (rows // batch)) * batch
                i += 1
                lab = labels[r0:r0 + batch]
                yield data[r0:r0 + batch], lambda m, xb, lab=lab: F.cross_entropy(m(xb), lab)
        return train(model, opt, batches(), 0.2) * 1e3, "ms"

    if name == "attn_step":
        # bench.c's block: d 128, 4 heads, feed-forward 512 with relu, pre-norm
        # (norm_first), dropout 0, batch-first (32, 64, 128), no mask; MSE, Adam
        block = nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0,
                                           activation="relu", batch_first=True,
                                           norm_first=True)
        x = torch.rand(32, 64, 128) * 2 - 1
        target = torch.rand(32, 64, 128) * 2 - 1
        opt = torch.optim.Adam(block.parameters())

        def batches():
            while True:
                yield x, lambda m, xb: F.mse_loss(m(xb), target)
        return train(block, opt, batches(), 0.2) * 1e3, "ms"

    if name == "hvp_mlp":
        # one Hessian-vector product of every weight of a 784-256-10 tanh MLP, batch 64,
        # cross-entropy: autograd.grad with create_graph=True, then grad of sum(g * v)
        x = torch.rand(64, 784) * 2 - 1
        labels = torch.randint(0, 10, (64,))
        model = nn.Sequential(nn.Linear(784, 256), nn.Tanh(), nn.Linear(256, 10))
        ps = list(model.parameters())
        vs = [torch.rand_like(p) * 2 - 1 for p in ps]

        def run(k):
            for _ in range(k):
                loss = F.cross_entropy(model(x), labels)
                gs = torch.autograd.grad(loss, ps, create_graph=True)
                s = sum((g * v).sum() for g, v in zip(gs, vs))
                torch.autograd.grad(s, ps)
        return time_it(run, 0.2) * 1e3, "ms"

    kinds = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
    kind, shape = name.split("_")
    B, H = (int(v) for v in shape.split("x"))
    T, Fin = 64, 64
    rnn = kinds[kind](Fin, H)
    x = torch.rand(T, B, Fin) * 2 - 1
    target = torch.rand(T, B, H) * 2 - 1
    opt = torch.optim.Adam(rnn.parameters())

    def batches():
        while True:
            yield x, lambda m, xb: F.mse_loss(m(xb)[0], target)
    return train(rnn, opt, batches(), 0.2) * 1e3, "ms"


def openblas_corename():
    """The core OpenBLAS runs in this process (after `import torch` has loaded it), as
    its openblas_get_corename() reports it; "unknown" if no OpenBLAS is mapped."""
    import ctypes
    try:
        with open("/proc/self/maps") as f:
            libs = {l.split()[-1] for l in f if "libopenblas" in l and "/" in l}
        for path in sorted(libs):
            fn = ctypes.CDLL(path).openblas_get_corename
            fn.restype = ctypes.c_char_p
            return fn().decode()
    except (OSError, AttributeError):
        pass
    return "unknown"


def worker_main(threads, inner):
    import torch
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))  # OpenBLAS is loaded and initialised
    print("READY " + openblas_corename(), flush=True)
    for line in sys.stdin:
        name = line.strip()
        if not name:
            continue
        value, unit = torch_workload(name, inner)
        print(json.dumps([name, value, unit]), flush=True)


# ---------------------------------------------------------------- driver
def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def check_openblas():
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "libopenblas0-pthread"],
                       capture_output=True, text=True)
    if "install ok installed" not in r.stdout:
        sys.exit("compare.py: libopenblas0-pthread is not installed; PyTorch would use the "
                 "reference BLAS. Run: apt-get install -y libopenblas0-pthread")


def start_worker(threads, inner):
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
                "MKL_NUM_THREADS": str(threads), "OMP_WAIT_POLICY": "PASSIVE"})
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker",
                          "--threads", str(threads), "--inner", str(inner)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    ready = p.stdout.readline().split()
    assert ready and ready[0] == "READY", "torch worker failed to start"
    p.corename = ready[1] if len(ready) > 1 else "unknown"
    return p


def run_torch(worker, name):
    worker.stdin.write(name + "\n")
    worker.stdin.flush()
    n, value, unit = json.loads(worker.stdout.readline())
    return value, unit


def bench_isa(bench, isa):
    """The GEMM micro-kernel bench runs with `--isa isa` (None: its default), from its
    "kernel NAME" line on stderr; exits with bench's message if it refuses the ISA."""
    r = subprocess.run([bench, "--reps", "1"] + (["--isa", isa] if isa else []) + ["none"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("compare.py: %s" % (r.stderr.strip() or "bench failed"))
    f = r.stderr.split()
    return f[f.index("kernel") + 1].rstrip(",") if "kernel" in f else "unknown"


def run_ours(bench, threads, inner, name, isa=None):
    """(value, unit, fraction of peak_fma or None) of figure `name`."""
    r = subprocess.run([bench, "--threads", str(threads), "--reps", str(inner)] +
                       (["--isa", isa] if isa else []) + [name],
                       capture_output=True, text=True, check=True)
    found, peak = None, None
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) == 4 and f[0] == "BENCH" and f[1] == name:
            found = float(f[2]), f[3]
        if len(f) == 4 and f[0] == "BENCH" and f[1] == name + ".peak":
            peak = float(f[2])
    if found is None:
        sys.exit("compare.py: no BENCH line for %s in:\n%s" % (name, r.stdout))
    return found + (peak,)


# ---------------------------------------------------------------- Fashion-MNIST CNN
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    import gzip
    import numpy as np
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def fashion_file(data, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(data, name)):
            return os.path.join(data, name)
    sys.exit("compare.py: %s not found in %s (apt-get install dataset-fashion-mnist)"
             % (stem, data))


def torch_fashion_cnn(data, epochs, threads, seed=1):
    """Trains fashion_cnn's twin as the C program does: Adam lr 1e-3, batch 64,
    reshuffled every epoch, lr halved every 3 epochs, dropout in training only; prints
    the test accuracy and the seconds of training of every epoch; returns the final
    accuracy and the mean seconds per epoch."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    xs, ys = {}, {}
    for split, stem in (("train", "train"), ("test", "t10k")):
        img = read_idx(fashion_file(data, stem + "-images-idx3-ubyte"))
        lab = read_idx(fashion_file(data, stem + "-labels-idx1-ubyte"))
        xs[split] = torch.tensor(img, dtype=torch.float32).reshape(-1, 1, 28, 28) / 255
        ys[split] = torch.tensor(lab, dtype=torch.int64)
    model = fashion_cnn_model(nn)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, 3, 0.5)
    n, batch, times, acc = xs["train"].shape[0], 64, [], 0.0
    for epoch in range(epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(xs["train"][idx]), ys["train"][idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
        sched.step()
        model.eval()
        with torch.no_grad():
            correct = sum(int((model(xs["test"][s:s + 1000]).argmax(1) ==
                               ys["test"][s:s + 1000]).sum())
                          for s in range(0, xs["test"].shape[0], 1000))
        acc = correct / xs["test"].shape[0]
        print("PyTorch epoch %2d/%d  test accuracy %.2f%%  (%.2f s)"
              % (epoch + 1, epochs, 100 * acc, times[-1]), flush=True)
    return acc, statistics.mean(times)


def ours_fashion_cnn(prog, data, epochs, threads):
    """Runs examples/fashion_cnn; returns its final accuracy and seconds per epoch."""
    import re
    import tempfile
    env = dict(os.environ, TG_NUM_THREADS=str(threads))
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        # the epochs are printed as they end (a run takes minutes)
        p = subprocess.Popen([prog, "--epochs", str(epochs), "--data", data, "--svg",
                              os.path.join(tmp, "loss.svg")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
        for line in p.stdout:
            out.append(line)
            if re.match(r"epoch +\d+/\d+  train loss", line):
                print("tapegrad " + line, end="", flush=True)
        err = p.stderr.read()
        rc = p.wait()
    m = re.search(r"test accuracy ([0-9.]+)% after \d+ epochs \(([0-9.]+) s per epoch",
                  "".join(out))
    if rc != 0 or not m:
        sys.exit("compare.py: %s failed (exit %d):\n%s" % (prog, rc, err))
    return float(m.group(1)) / 100, float(m.group(2))


def fashion_cnn_main(a):
    """--fashion-cnn: ours and PyTorch's on the real data, at the same time; one table."""
    threads = int(a.threads.split(",")[0])
    prog = os.path.abspath(a.fashion_cnn_prog or os.path.join(
        os.path.dirname(os.path.abspath(a.bench)), "..", "examples", "fashion_cnn"))
    print("# %s, fashion_cnn %s, %d epochs, %d thread(s)"
          % (time.strftime("%Y-%m-%d %H:%M"), prog, a.epochs, threads), flush=True)
    # Side by side, so that both see the same load on a shared machine (and a run of
    # 15 epochs each takes the time of one).
    import threading
    ours = []
    th = threading.Thread(target=lambda: ours.append(
        ours_fashion_cnn(prog, a.data, a.epochs, threads)))
    th.start()
    theirs = torch_fashion_cnn(a.data, a.epochs, threads)
    th.join()
    if not ours:
        sys.exit("compare.py: fashion_cnn did not finish")
    rows = [("tapegrad",) + ours[0], ("PyTorch 1.13",) + theirs]
    print("\n| Fashion-MNIST CNN, %d epochs | test accuracy | s per epoch |" % a.epochs)
    print("|---|---|---|")
    for who, acc, sec in rows:
        print("| %s | %.2f%% | %.1f |" % (who, 100 * acc, sec))
    for who, acc, sec in rows:
        print("FASHION_CNN %s accuracy=%.4f s_per_epoch=%.2f threads=%d"
              % (who.split()[0], acc, sec, threads))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "..", "build", "benchmarks", "bench"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--inner", type=int, default=3)
    ap.add_argument("--isa", choices=sorted(ISA_CORETYPE),
                    help="bench's GEMM micro-kernel (bench --isa) and OPENBLAS_CORETYPE of "
                         "the same instruction set: avx512 SkylakeX, avx2 Haswell, generic "
                         "OpenBLAS's own choice (default: the best of both)")
    ap.add_argument("--fashion-cnn", action="store_true",
                    help="instead of the figures: train examples/fashion_cnn and its PyTorch "
                         "twin on Fashion-MNIST (first --threads count), print accuracy and "
                         "seconds per epoch of both")
    ap.add_argument("--fashion-cnn-prog", help="the fashion_cnn program (default: next to "
                                               "--bench's build, examples/fashion_cnn)")
    ap.add_argument("--epochs", type=int, default=15, help="--fashion-cnn: epochs (15, the "
                                                          "program's default)")
    ap.add_argument("--data", default=FASHION_DIR, help="--fashion-cnn: the data folder")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    if a.worker:
        return worker_main(int(a.threads), a.inner)
    if a.fashion_cnn:
        return fashion_cnn_main(a)

    check_openblas()
    if a.isa and ISA_CORETYPE[a.isa]:
        os.environ["OPENBLAS_CORETYPE"] = ISA_CORETYPE[a.isa]
    elif a.isa is None and "OPENBLAS_CORETYPE" not in os.environ:
        flags = cpu_flags()
        if "avx512f" in flags:
            os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
        elif "avx2" in flags:
            os.environ["OPENBLAS_CORETYPE"] = "Haswell"
    names = [n for n in NAMES if not a.names or any(n.startswith(p) for p in a.names)]
    bench = os.path.abspath(a.bench)
    counts = [int(t) for t in a.threads.split(",")]
    kernel = bench_isa(bench, a.isa)
    workers = {t: start_worker(t, a.inner) for t in counts}
    print("# %s, bench %s, isa %s (kernel %s), OPENBLAS_CORETYPE=%s (OpenBLAS core %s), "
          "%d repetitions, alternating" %
          (time.strftime("%Y-%m-%d %H:%M"), bench, a.isa or "default", kernel,
           os.environ.get("OPENBLAS_CORETYPE", "unset"), workers[counts[0]].corename, a.reps),
          flush=True)
    ours = {(t, n): [] for t in counts for n in names}
    peaks = {(t, n): [] for t in counts for n in names}
    theirs = {(t, n): [] for t in counts for n in names}
    units = {}
    # The thread counts of one figure run back to back, so that the speed-up from more
    # threads is a ratio of runs seconds apart, not minutes (the load of a shared
    # machine changes in between).
    for rep in range(a.reps):
        for n in names:
            for t in counts:
                v, units[n], p = run_ours(bench, t, a.inner, n, a.isa)
                ours[t, n].append(v)
                if p is not None:
                    peaks[t, n].append(p)
                theirs[t, n].append(run_torch(workers[t], n)[0])
    for w in workers.values():
        w.stdin.close()
        w.wait()

    def speed(unit, v):  # higher is faster
        return v if unit in HIGHER_IS_BETTER else 1.0 / v

    for t in counts:
        print("\n## %d thread%s (medians of %d)" % (t, "s" if t > 1 else "", a.reps))
        print("| figure | unit | tapegrad | PyTorch 1.13 | speed-up | of peak_fma: tapegrad "
              "| PyTorch |")
        print("|---|---|---|---|---|---|---|")
        ratios = []
        for n in names:
            o, th = statistics.median(ours[t, n]), statistics.median(theirs[t, n])
            r = speed(units[n], o) / speed(units[n], th)
            ratios.append((n, r))
            p = statistics.median(peaks[t, n]) if peaks[t, n] else None
            pc = "| %.0f %% | %.0f %% |" % (100 * p, 100 * p / r) if p else "| | |"
            print("| %s | %s | %.4g | %.4g | %.2fx %s" % (n, units[n], o, th, r, pc))
        for n, r in ratios:
            print("RATIO %s %.3f threads=%d" % (n, r, t))
        for n in names:
            if peaks[t, n]:
                print("PEAK %s %.3f threads=%d" % (n, statistics.median(peaks[t, n]), t))
    base = counts[0]
    for t in counts[1:]:
        print("\n## %d threads against %d (median of the %d ratios of back-to-back runs)"
              % (t, base, a.reps))
        print("| figure | tapegrad | PyTorch 1.13 |")
        print("|---|---|---|")
        lines = []
        for n in names:
            u = units[n]
            so = statistics.median(speed(u, x) / speed(u, y)
                                   for x, y in zip(ours[t, n], ours[base, n]))
            st = statistics.median(speed(u, x) / speed(u, y)
                                   for x, y in zip(theirs[t, n], theirs[base, n]))
            lines.append("SCALING %s %.3f %.3f threads=%d/%d" % (n, so, st, t, base))
            print("| %s | %.2fx | %.2fx |" % (n, so, st))
        print("\n".join(lines))
    sys.stdout.flush()

if __name__ == "__main__":
    main()
