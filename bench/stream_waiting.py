#!/usr/bin/env python3
"""10,000 stream uploaders waiting at once, then 10,000 downloaders.

Creates one stream upload with N files, opens N uploader connections that send the request
headers, the multipart part header and the first bytes of each file, then stop. Measures the
plikd RSS (VmRSS/VmHWM of --pid) while all N wait. Then attaches N downloaders, lets the
uploaders finish their bodies, and checks every downloaded body's SHA-256.
Prints a RESULT line. Benchmark, not a test: exit status is 0 unless the run could not proceed.
"""
import argparse, asyncio, hashlib, json, os, sys, time, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--url", required=True)          # http://127.0.0.1:PORT
ap.add_argument("--pid", type=int, required=True)
ap.add_argument("-n", type=int, default=10000)
ap.add_argument("--size", type=int, default=16384)   # bytes per file
ap.add_argument("--first", type=int, default=1024)   # bytes sent before waiting
ap.add_argument("--concurrency", type=int, default=256)  # parallel connects
a = ap.parse_args()

host, port = a.url.split("//")[1].split(":")
port = int(port)

def status_kb(key):
    with open(f"/proc/{a.pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0

def create_upload():
    files = [{"fileName": f"f{i}", "fileSize": a.size, "reference": str(i)} for i in range(a.n)]
    req = urllib.request.Request(a.url + "/upload", data=json.dumps({"files": files, "stream": True}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=120) as r:
        d = json.load(r)
    fl = d["files"]
    if isinstance(fl, dict):
        fl = list(fl.values())
    byref = {f["reference"]: f["id"] for f in fl}
    return d["id"], d["uploadToken"], [byref[str(i)] for i in range(a.n)]

def local_addr(i):
    return (f"127.0.{(i // 250) % 250 + 1}.{i % 250 + 2}", 0)

async def open_conn(i, sem):
    async with sem:
        for attempt in range(20):
            try:
                return await asyncio.open_connection(host, port, local_addr=local_addr(i), limit=1 << 20)
            except OSError:
                await asyncio.sleep(0.05 * (attempt + 1))
        raise RuntimeError(f"connect {i} failed")

async def read_response(reader):
    raw = await reader.read(-1)  # Connection: close
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    code = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    hdrs = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip() for l in lines[1:] if b":" in l}
    if hdrs.get(b"transfer-encoding", b"").lower() == b"chunked":
        out, rest = bytearray(), body
        while True:
            ln, _, rest = rest.partition(b"\r\n")
            sz = int(ln.split(b";")[0], 16) if ln else 0
            if sz == 0:
                break
            out += rest[:sz]; rest = rest[sz + 2:]
        body = bytes(out)
    return code, body

async def main():
    t_start = time.time()
    rss0 = status_kb("VmRSS")
    uid, token, fids = await asyncio.get_running_loop().run_in_executor(None, create_upload)
    t_created = time.time()
    rss_created = status_kb("VmRSS")
    datas = [os.urandom(a.size) for _ in range(a.n)]
    sem = asyncio.Semaphore(a.concurrency)
    boundary = "plikbenchboundary7d3f"

    async def start_upload(i):
        reader, writer = await open_conn(i, sem)
        name = f"f{i}"
        part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        clen = len(part) + a.size + len(tail)
        head = (f"POST /stream/{uid}/{fids[i]}/{name} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"X-UploadToken: {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {clen}\r\nConnection: close\r\n\r\n").encode()
        writer.write(head + part + datas[i][:a.first])
        await writer.drain()
        return reader, writer, tail

    ups = await asyncio.gather(*(start_upload(i) for i in range(a.n)), return_exceptions=True)
    bad_ups = [u for u in ups if isinstance(u, BaseException)]
    t_opened = time.time()
    await asyncio.sleep(3)  # let the server take in every request
    rss_wait = status_kb("VmRSS"); hwm_wait = status_kb("VmHWM")
    print(f"  {a.n - len(bad_ups)}/{a.n} uploaders waiting (opened in {t_opened - t_created:.1f}s): "
          f"plikd VmRSS {rss_wait / 1024:.1f} MB (at start {rss0 / 1024:.1f} MB, after creating the {a.n}-file upload {rss_created / 1024:.1f} MB), VmHWM {hwm_wait / 1024:.1f} MB",
          flush=True)
    if bad_ups:
        print(f"  first uploader error: {bad_ups[0]!r}", flush=True)

    async def download(i):
        reader, writer = await open_conn(i + a.n, sem)
        name = f"f{i}"
        writer.write((f"GET /stream/{uid}/{fids[i]}/{name} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                      f"Connection: close\r\n\r\n").encode())
        await writer.drain()
        code, body = await read_response(reader)
        writer.close()
        return code, body

    async def finish_upload(i):
        u = ups[i]
        if isinstance(u, BaseException):
            return 0, b""
        reader, writer, tail = u
        try:
            writer.write(datas[i][a.first:] + tail)
            await writer.drain()
            code, body = await read_response(reader)
        except OSError as e:
            return -1, repr(e).encode()
        writer.close()
        return code, body

    # Both processes hold uploader + downloader sockets; stay under RLIMIT_NOFILE (the hard limit may be
    # below 2 x N on this machine), downloaders beyond that wait for a slot.
    import resource
    lim = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    dl_slots = max(1, min(a.n, lim - a.n - 300))
    if dl_slots < a.n:
        print(f"  RLIMIT_NOFILE {lim}: at most {dl_slots} downloaders attached at once", flush=True)
    dl_sem = asyncio.Semaphore(dl_slots)

    async def download_limited(i):
        async with dl_sem:
            return await download(i)

    t_dl = time.time()
    dl_tasks = [asyncio.create_task(download_limited(i)) for i in range(a.n)]
    await asyncio.sleep(1)
    ul_tasks = [asyncio.create_task(finish_upload(i)) for i in range(a.n)]
    dls = await asyncio.gather(*dl_tasks, return_exceptions=True)
    uls = await asyncio.gather(*ul_tasks, return_exceptions=True)
    t_done = time.time()
    ok = 0; errors = {}
    for i, d in enumerate(dls):
        if isinstance(d, BaseException):
            errors[repr(d)[:80]] = errors.get(repr(d)[:80], 0) + 1; continue
        code, body = d
        if code == 200 and hashlib.sha256(body).digest() == hashlib.sha256(datas[i]).digest():
            ok += 1
        else:
            k = f"download status {code}, {len(body)} bytes"
            errors[k] = errors.get(k, 0) + 1
    ul_ok = sum(1 for u in uls if not isinstance(u, BaseException) and u[0] == 200)
    ul_codes = {}
    for u in uls:
        k = repr(u)[:80] if isinstance(u, BaseException) else f"upload status {u[0]}"
        ul_codes[k] = ul_codes.get(k, 0) + 1
    hwm_end = status_kb("VmHWM")
    print(f"  downloads with matching SHA-256: {ok}/{a.n}; uploads answered 200: {ul_ok}/{a.n}; "
          f"transfer phase {t_done - t_dl:.1f}s; plikd VmHWM at end {hwm_end / 1024:.1f} MB", flush=True)
    if errors:
        print(f"  download problems: {errors}", flush=True)
    if ul_ok != a.n:
        print(f"  upload outcomes: {ul_codes}", flush=True)
    print(f"RESULT stream_waiting n={a.n} waiting={a.n - len(bad_ups)} rss_waiting_mb={rss_wait / 1024:.1f} "
          f"hwm_waiting_mb={hwm_wait / 1024:.1f} sha_ok={ok} uploads_ok={ul_ok} hwm_end_mb={hwm_end / 1024:.1f}")

asyncio.run(main())
