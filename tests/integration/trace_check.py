#!/usr/bin/env python3
"""Check a squeeze --trace-file: valid Chrome trace-event JSON, one named
track per thread, every span closed and the spans of a track nested.

    trace_check.py FILE [TRACK...]

Prints "exits=N tracks=a,b,c events=M" and exits 0, or prints what is wrong
and exits 1. TRACKs are thread names that must have a track.
"""
import collections
import json
import sys

EPS = 0.0015  # microseconds: ts and dur are printed with three decimals


def fail(why):
    print("trace_check: " + why)
    sys.exit(1)


def main():
    path, need = sys.argv[1], sys.argv[2:]
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail("not valid JSON: %s" % e)
    events = doc.get("traceEvents")
    if not isinstance(events, list):
        fail("no traceEvents list")
    names = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            tid, name = e["tid"], e["args"]["name"]
            if tid in names:
                fail("track %s named twice" % tid)
            if name in names.values():
                fail("two tracks named %s" % name)
            names[tid] = name
    spans = collections.defaultdict(list)
    open_async = {}
    exits = 0
    for e in events:
        ph = e.get("ph")
        if ph == "M":
            continue
        if e.get("tid") not in names:
            fail("event on a track without thread_name: %s" % e)
        if ph == "X":
            if e["dur"] < 0:
                fail("negative span: %s" % e)
            spans[e["tid"]].append((e["ts"], e["ts"] + e["dur"], e["name"]))
            exits += e.get("cat") == "exit"
        elif ph == "b":
            key = (e["cat"], e["id"])
            if key in open_async:
                fail("async span %s begun twice" % (key,))
            open_async[key] = e["ts"]
        elif ph == "e":
            key = (e["cat"], e["id"])
            if key not in open_async or open_async.pop(key) > e["ts"] + EPS:
                fail("async span %s ends before it begins" % (key,))
        elif ph != "i":
            fail("unexpected phase %s" % ph)
    if open_async:
        fail("%d async spans never closed, e.g. %s" %
             (len(open_async), next(iter(open_async))))
    for tid, ss in spans.items():
        ss.sort(key=lambda s: (s[0], -s[1]))
        stack = []
        for start, end, name in ss:
            while stack and stack[-1][1] <= start + EPS:
                stack.pop()
            if stack and end > stack[-1][1] + EPS:
                fail("on %s, span %s (%.3f-%.3f) overlaps %s (%.3f-%.3f)" %
                     (names[tid], name, start, end, stack[-1][2],
                      stack[-1][0], stack[-1][1]))
            stack.append((start, end, name))
    for n in need:
        if n not in names.values():
            fail("no track named %s (tracks: %s)" %
                 (n, ",".join(sorted(names.values()))))
    print("exits=%d tracks=%s events=%d" %
          (exits, ",".join(sorted(names.values())), len(events)))


if __name__ == "__main__":
    main()
