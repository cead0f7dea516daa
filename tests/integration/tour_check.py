#!/usr/bin/env python3
"""Run the commands docs/tour.md shows and check the output it quotes.

    tour_check.py ROOT

Every ```console block is a list of commands ("$ " lines), each followed
by the lines it prints. A quoted line must appear in the command's output
(stdout and stderr together), in the quoted order; "..." alone on a line
stands for lines left out, and "..." inside a line for text left out.
Times ("[    0.004217]") and latencies ("48 us") are not compared, and runs
of spaces count as one. The commands run with bash in a fresh directory
holding a link to ROOT/build, with ROOT on the PATH (for "squeeze").

Prints "ok SECTION" or "bad SECTION: why" per block.
"""
import os
import re
import subprocess
import sys
import tempfile

TIME = re.compile(r"^\[ *[0-9]+\.[0-9]+\]")
US = re.compile(r"\b[0-9]+ us\b")


def norm(line):
    line = TIME.sub("[T]", line.rstrip("\r\n"))
    line = US.sub("N us", line)
    return " ".join(line.split())


def pattern(quoted):
    parts = [re.escape(p) for p in norm(quoted).split("...")]
    return re.compile("^" + ".*".join(parts) + "$")


def blocks(text):
    section, block = "intro", None
    for line in text.splitlines():
        if block is None:
            if line.startswith("## "):
                section = line[3:].strip()
            elif line.strip() == "```console":
                block = []
        elif line.strip() == "```":
            yield section, block
            block = None
        else:
            block.append(line)


def commands(block):
    cmd = None
    for line in block:
        if line.startswith("$ "):
            if cmd:
                yield cmd
            cmd = [line[2:], []]
        elif cmd is not None:
            cmd[1].append(line)
    if cmd:
        yield cmd


def check(out, quoted):
    lines = [norm(l) for l in out.splitlines()]
    at = 0
    for q in quoted:
        if q.strip() == "...":
            continue
        pat = pattern(q)
        while at < len(lines) and not pat.match(lines[at]):
            at += 1
        if at == len(lines):
            return "not printed (in this order): " + q.strip()[:160]
        at += 1
    return None


def main():
    root = os.path.abspath(sys.argv[1])
    env = dict(os.environ, PATH=root + ":" + os.environ["PATH"])
    with open(os.path.join(root, "docs", "tour.md")) as f:
        text = f.read()
    bad = 0
    for section, block in blocks(text):
        why = None
        with tempfile.TemporaryDirectory(prefix="tour.") as cwd:
            os.symlink(os.path.join(root, "build"), os.path.join(cwd, "build"))
            for cmd, quoted in commands(block):
                try:
                    r = subprocess.run(["bash", "-c", cmd], cwd=cwd, env=env,
                                       stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, timeout=60)
                    out = r.stdout.decode(errors="replace")
                except subprocess.TimeoutExpired:
                    why = "timed out: " + cmd
                    break
                why = check(out, quoted)
                if why:
                    why = "$ %s: %s" % (cmd, why)
                    break
        if why:
            bad += 1
            print("bad %s: %s" % (section, why))
        else:
            print("ok %s" % section)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
