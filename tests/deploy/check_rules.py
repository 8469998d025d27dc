#!/usr/bin/env python3
"""Checks deploy/prometheus/riskgate.rules.yml without Prometheus.

  check_rules.py RULES [--metrics FILE]

Structure: a mapping with only `groups`; each group a uniquely named, non-empty
list of rules; each rule an `alert` (CamelCase, unique), a non-empty `expr`
with balanced brackets and quotes, an optional `for` duration, `labels` with a
`severity` of critical/warning/info, and `annotations` with `summary` and
`description`; no other keys. With --metrics (a /metrics scrape, text format),
every riskgate_* name an expression uses must be a family the scrape declares
(a histogram's _bucket/_sum/_count included). Exit 1 naming each problem.
"""
import re
import sys

import yaml

RULE_KEYS = {"alert", "expr", "for", "labels", "annotations"}
DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
ALERT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]+$")
METRIC = re.compile(r"\briskgate_[a-zA-Z0-9_]+")


def balanced(expr):
    stack, quote = [], None
    pairs = {")": "(", "]": "[", "}": "{"}
    for i, c in enumerate(expr):
        if quote:
            if c == quote and expr[i - 1] != "\\":
                quote = None
            continue
        if c in "\"'`":
            quote = c
        elif c in "([{":
            stack.append(c)
        elif c in ")]}":
            if not stack or stack.pop() != pairs[c]:
                return False
    return not stack and quote is None


def exported(path):
    names = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 4 and parts[0] == "#" and parts[1] == "TYPE":
                names.add(parts[2])
                if parts[3] == "histogram":
                    names.update(parts[2] + s for s in ("_bucket", "_sum", "_count"))
    return names


def check(rules_path, metrics_path=None):
    problems = []
    with open(rules_path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or set(doc) != {"groups"}:
        return ["top level must be a mapping with only 'groups'"]
    groups = doc["groups"]
    if not isinstance(groups, list) or not groups:
        return ["'groups' must be a non-empty list"]
    known = exported(metrics_path) if metrics_path else None
    group_names, alerts, used = set(), set(), set()
    for gi, g in enumerate(groups):
        where = f"groups[{gi}]"
        if not isinstance(g, dict) or set(g) != {"name", "rules"}:
            problems.append(f"{where}: needs exactly 'name' and 'rules'")
            continue
        if g["name"] in group_names:
            problems.append(f"{where}: group name {g['name']!r} twice")
        group_names.add(g["name"])
        if not isinstance(g["rules"], list) or not g["rules"]:
            problems.append(f"{where}: 'rules' must be a non-empty list")
            continue
        for ri, r in enumerate(g["rules"]):
            at = f"{where}.rules[{ri}]"
            if not isinstance(r, dict):
                problems.append(f"{at}: not a mapping")
                continue
            extra = set(r) - RULE_KEYS
            if extra:
                problems.append(f"{at}: unknown keys {sorted(extra)}")
            name = r.get("alert")
            if not isinstance(name, str) or not ALERT_NAME.match(name):
                problems.append(f"{at}: 'alert' must be a CamelCase name")
            elif name in alerts:
                problems.append(f"{at}: alert {name} twice")
            else:
                alerts.add(name)
                at = f"{at} ({name})"
            expr = r.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.append(f"{at}: 'expr' missing")
                continue
            if not balanced(expr):
                problems.append(f"{at}: unbalanced brackets or quotes in expr")
            if "for" in r and not (isinstance(r["for"], str) and DURATION.match(r["for"])):
                problems.append(f"{at}: 'for' is not a duration")
            labels = r.get("labels")
            if not isinstance(labels, dict) or labels.get("severity") not in ("critical", "warning", "info"):
                problems.append(f"{at}: labels.severity must be critical, warning or info")
            ann = r.get("annotations")
            if not isinstance(ann, dict) or not all(isinstance(ann.get(k), str) and ann.get(k) for k in ("summary", "description")):
                problems.append(f"{at}: annotations need summary and description")
            for m in METRIC.findall(expr):
                used.add(m)
                if known is not None and m not in known:
                    problems.append(f"{at}: {m} is not exported by /metrics")
    if not used:
        problems.append("no alert uses a riskgate_* metric")
    return problems


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--metrics"):
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(argv[1], argv[3] if len(argv) == 4 else None)
    for p in problems:
        print(f"{argv[1]}: {p}", file=sys.stderr)
    if not problems:
        print(f"{argv[1]}: OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
