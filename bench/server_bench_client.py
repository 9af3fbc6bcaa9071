"""ftpbench-style measurements for bench/server_bench.ts (system Python, ftplib only).

Reproduces the method of pyftpdlib's scripts/ftpbench (written anew, not copied):
1-second STOR/RETR windows with 8 KiB chunks, N logins one after another (as
ftpbench) and N at once, the same windows with N idle sessions, N concurrent
RETR/STOR of one SIZE file driven by one select() loop, N QUITs, and the
server's memory (private RSS summed over its process tree, read from /proc).
Prints one JSON object.
"""
import ftplib, json, os, select, socket, sys, threading, time

host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
n = int(sys.argv[5]); size = int(sys.argv[6]); pid = int(sys.argv[7])
CHUNK = 8192
out = {}


def tree(root):
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(p))
        except OSError:
            pass
    todo, seen = [root], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(kids.get(p, []))
    return seen


def memory():
    """(private MiB, RSS MiB) summed over the server's process tree."""
    private = rss = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("RssAnon:"):
                        private += int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
        except OSError:
            pass
    return round(private / 1024, 1), round(rss / 1024, 1)


def login():
    f = ftplib.FTP()
    f.connect(host, port, timeout=120)
    f.login(user, pw)
    f.voidcmd("TYPE I")
    return f


def stor_window(name="bench.tmp"):
    f = login()
    conn = f.transfercmd(f"STOR {name}")
    chunk = b"x" * CHUNK
    sent = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        conn.sendall(chunk)
        sent += CHUNK
    conn.close()
    f.voidresp()
    f.quit()
    return sent / (1024 * 1024)


def retr_window(name):
    f = login()
    got = 0
    spent = 0.0
    while spent < 1.0:
        conn = f.transfercmd(f"RETR {name}")
        t0 = time.perf_counter()
        while spent + (time.perf_counter() - t0) < 1.0:
            d = conn.recv(CHUNK)
            if not d:
                break
            got += len(d)
        spent += time.perf_counter() - t0
        conn.close()
        try:
            f.voidresp()
        except ftplib.all_errors:
            pass  # 426 after we hung up mid-file
    f.quit()
    return got / (1024 * 1024)


def prepare(name, nbytes):
    f = login()
    conn = f.transfercmd(f"STOR {name}")
    chunk = b"x" * 65536
    left = nbytes
    while left > 0:
        conn.sendall(chunk[: min(left, 65536)])
        left -= 65536
    conn.close()
    f.voidresp()
    f.quit()


out["memory_at_rest"] = memory()
prepare("bench.big", size)
out["stor_mb_s"] = stor_window()
out["retr_mb_s"] = retr_window("bench.tmp")

# N logins one after another (ftpbench's "N concurrent clients (connect, login)").
time.sleep(1.0)  # let the server settle after the transfers before measuring
out["memory_before_idle"] = memory()
t0 = time.perf_counter()
idle = [login() for _ in range(n)]
out["logins_serial_s"] = round(time.perf_counter() - t0, 3)
time.sleep(1.0)
out["memory_idle"] = memory()
out["stor_idle_mb_s"] = stor_window()
out["retr_idle_mb_s"] = retr_window("bench.tmp")
for f in idle:
    f.quit()

# N logins at once (threads released together).
barrier = threading.Barrier(n + 1)
held, errors = [], []
def one():
    barrier.wait()
    try:
        held.append(login())
    except Exception as e:  # noqa: BLE001
        errors.append(repr(e))
threads = [threading.Thread(target=one) for _ in range(n)]
for t in threads:
    t.start()
barrier.wait()
t0 = time.perf_counter()
for t in threads:
    t.join()
out["logins_concurrent_s"] = round(time.perf_counter() - t0, 3)
out["login_errors"] = len(errors)
for f in held:
    f.quit()


def many(kind):
    sessions = [login() for _ in range(n)]
    t0 = time.perf_counter()
    conns = []
    for f in sessions:
        conns.append(f.transfercmd(f"{kind} bench.big"))
    peak = memory()
    if kind == "RETR":
        open_ = {c.fileno(): c for c in conns}
        while open_:
            r, _, _ = select.select(list(open_), [], [], 60)
            if not r:
                raise RuntimeError("RETR stalled")
            for fd in r:
                if not open_[fd].recv(65536):
                    open_.pop(fd).close()
    else:
        chunk = b"x" * CHUNK
        left = {c.fileno(): size for c in conns}
        by_fd = {c.fileno(): c for c in conns}
        while left:
            _, w, _ = select.select([], list(left), [], 60)
            if not w:
                raise RuntimeError("STOR stalled")
            for fd in w:
                left[fd] -= by_fd[fd].send(chunk[: min(CHUNK, left[fd])])
                if left[fd] <= 0:
                    del left[fd]
                    by_fd[fd].close()
    for f in sessions:
        f.voidresp()
    took = time.perf_counter() - t0
    t1 = time.perf_counter()
    for f in sessions:
        f.quit()
    return round(took, 3), peak, round(time.perf_counter() - t1, 3)


out["retr_many_s"], out["memory_retr_many"], _ = many("RETR")
out["stor_many_s"], out["memory_stor_many"], out["quit_many_s"] = many("STOR")
f = login()
for name in ("bench.tmp", "bench.big"):
    try:
        f.delete(name)
    except ftplib.all_errors:
        pass
f.quit()
print(json.dumps(out))
