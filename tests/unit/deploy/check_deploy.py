#!/usr/bin/env python3
"""Checks the operations files under deploy/ (docs/operations.md).

  check_deploy.py dashboard DASHBOARD.json [--metrics METRICS.txt]
      The dashboard loads: valid JSON, matches grafana_dashboard.schema.json, unique panel ids,
      panels inside the 24-column grid and not overlapping. With --metrics (the text of a live
      gateway's /metrics), every claimgate_* series a panel queries is one the gateway exports.

  check_deploy.py rules RULES.yml --metrics METRICS.txt [--provided-elsewhere NAME ...]
      Every claimgate_* series an alert rule reads is exported by the gateway, except the names
      given with --provided-elsewhere (series another component adds; listed in the test).

Exit status 0 when everything holds; otherwise one line per problem on stderr and exit 1.
"""
import argparse
import json
import pathlib
import re
import sys

import jsonschema
import yaml

SERIES = re.compile(r"\b(claimgate_[a-z0-9_]+)")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def exported_families(metrics_text):
    """Metric family name -> type, from the # TYPE lines of a Prometheus text exposition."""
    families = {}
    for line in metrics_text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            families[name] = kind.strip()
    return families


def unknown_series(expr, families):
    """The claimgate_* names in a PromQL expression that no exported family provides."""
    missing = []
    for name in SERIES.findall(expr):
        if name in families:
            continue
        base = next((name[: -len(s)] for s in HISTOGRAM_SUFFIXES if name.endswith(s)), None)
        if base and families.get(base) in ("histogram", "summary"):
            continue
        missing.append(name)
    return missing


def check_dashboard(path, metrics_path):
    problems = []
    try:
        dashboard = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        return [f"{path}: does not load: {error}"]
    schema_path = pathlib.Path(__file__).with_name("grafana_dashboard.schema.json")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(dashboard), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in error.path)
        problems.append(f"{path}: schema: {where}: {error.message}")
    if problems:
        return problems
    seen_ids = set()
    cells = {}
    for panel in dashboard["panels"]:
        if panel["id"] in seen_ids:
            problems.append(f"{path}: panel id {panel['id']} used twice")
        seen_ids.add(panel["id"])
        grid = panel["gridPos"]
        if grid["x"] + grid["w"] > 24:
            problems.append(f"{path}: panel '{panel['title']}' is wider than the grid")
        for x in range(grid["x"], min(grid["x"] + grid["w"], 24)):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                if (x, y) in cells:
                    problems.append(f"{path}: panels '{cells[(x, y)]}' and '{panel['title']}' "
                                    f"overlap at x={x} y={y}")
                    break
                cells[(x, y)] = panel["title"]
            else:
                continue
            break
    if metrics_path:
        families = exported_families(pathlib.Path(metrics_path).read_text(encoding="utf-8"))
        queried = 0
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                names = SERIES.findall(target["expr"])
                if not names and "up{" not in target["expr"]:
                    problems.append(f"{path}: panel '{panel['title']}' {target['refId']} queries "
                                    "no claimgate series")
                queried += len(names)
                for name in unknown_series(target["expr"], families):
                    problems.append(f"{path}: panel '{panel['title']}' {target['refId']} queries "
                                    f"{name}, which the gateway does not export")
        if queried == 0:
            problems.append(f"{path}: no panel queries a claimgate series")
    return problems


def check_rules(path, metrics_path, provided_elsewhere):
    problems = []
    rules = yaml.safe_load(pathlib.Path(path).read_text(encoding="utf-8"))
    families = exported_families(pathlib.Path(metrics_path).read_text(encoding="utf-8"))
    for group in rules["groups"]:
        for rule in group["rules"]:
            for name in unknown_series(rule["expr"], families):
                if name not in provided_elsewhere:
                    problems.append(f"{path}: alert {rule.get('alert', rule.get('record'))} "
                                    f"reads {name}, which the gateway does not export")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    dash = sub.add_parser("dashboard")
    dash.add_argument("dashboard")
    dash.add_argument("--metrics")
    rules = sub.add_parser("rules")
    rules.add_argument("rules")
    rules.add_argument("--metrics", required=True)
    rules.add_argument("--provided-elsewhere", nargs="*", default=[])
    args = parser.parse_args()
    if args.what == "dashboard":
        problems = check_dashboard(args.dashboard, args.metrics)
    else:
        problems = check_rules(args.rules, args.metrics, set(args.provided_elsewhere))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
