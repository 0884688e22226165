#!/usr/bin/env python3
"""Memory of the review server under many large previews (the trust issue's render-cache
defect: 400 previews of 245 KB took RSS from 135 to 229 MB when the cache was bounded by
entries). Starts `quire serve` on a fresh data directory on 127.0.0.1 (rate limits raised),
signs up one account through the form, posts N previews of distinct 245 KB texts to
/sections/usability/propose, and prints the server's RSS before and after.

    python3 scripts/preview-memory.py target/release/quire 18931 400

Arguments: the quire binary, a free loopback port, the number of previews (bounded by
you; each takes a fraction of a second). The data directory is /tmp/quire-preview-memory.
"""
import http.client, re, subprocess, sys, time, urllib.parse, random, string
quire = sys.argv[1]; port = int(sys.argv[2]); n = int(sys.argv[3])
data = "/tmp/quire-preview-memory"
subprocess.run(["rm", "-rf", data])
srv = subprocess.Popen([quire, "serve", "--data-dir", data, "--addr", f"127.0.0.1:{port}",
                        "--writes-per-minute", "100000", "--auth-attempts-per-minute", "100000"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
def rss():
    for l in open(f"/proc/{srv.pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1]) // 1024
for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5); c.request("GET", "/"); c.getresponse().read(); break
    except Exception: time.sleep(0.1)
def req(method, path, body=None, cookie=""):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    h = {"Cookie": cookie}
    if body is not None: h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse(); b = r.read().decode("utf-8", "replace")
    return r.status, r.msg.get_all("Set-Cookie") or [], b
st, sc, b = req("GET", "/signup")
csrf_cookie = [c.split(";")[0] for c in sc if c.startswith("quire_csrf=")][0]
tok = re.search(r'name="csrf" value="([^"]+)"', b).group(1)
form = urllib.parse.urlencode({"csrf": tok, "name": "Mem Tester", "email": "mem@example.org", "password": "memory test password 1"})
st, sc, b = req("POST", "/signup", form, csrf_cookie)
sess = [c.split(";")[0] for c in sc if c.startswith("quire_session=")][0]
cookie = f"{csrf_cookie}; {sess}"
st, sc, b = req("GET", "/sections/usability/propose", cookie=cookie)
tok = re.search(r'name="csrf" value="([^"]+)"', b).group(1)
base = re.search(r'name="base" value="([^"]+)"', b).group(1)
before = rss()
t0 = time.time()
for i in range(n):
    words = " ".join("".join(random.choice(string.ascii_lowercase) for _ in range(6)) for _ in range(35000))
    text = f"# Principle 8: Usability\n\n{i} {words}\n"
    form = urllib.parse.urlencode({"csrf": tok, "base": base, "title": "t", "rationale": "r", "text": text, "action": "preview"})
    st, _, _ = req("POST", "/sections/usability/propose", form, cookie)
    assert st == 200, st
after = rss()
print(f"{n} previews of {len(text)//1000} KB: RSS {before} MB -> {after} MB in {time.time()-t0:.0f} s")
srv.kill()
