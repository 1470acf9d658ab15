#!/usr/bin/env python3
"""Validates recorded gateway exchanges against protocols/openapi.yaml.

Each line of the records file is {"method", "path", "status", "body", "request"?}. For every
record the operation is found by matching the concrete path against the spec's templates, the
response object for the status is resolved ($ref into components), and the body is validated
with the JSON Schema of its application/json (or text/plain) content. A status the spec does
not list for the operation is an error too. Exit 0 when every record conforms.
"""
import json
import re
import sys

import jsonschema
import yaml


def load_spec(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"]
        assert pointer.startswith("#/"), pointer
        node = spec
        for part in pointer[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def match_operation(spec, method, path):
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    return None, None


def main():
    spec_path, records_path = sys.argv[1], sys.argv[2]
    spec = load_spec(spec_path)
    validator_class = jsonschema.validators.validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema"})
    resolver = jsonschema.RefResolver.from_schema(spec)
    failures, checked = [], 0
    with open(records_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            record = json.loads(line)
            method, path, status = record["method"], record["path"], str(record["status"])
            template, operation = match_operation(spec, method, path)
            if operation is None:
                failures.append(f"{number}: {method} {path}: no such operation in the spec")
                continue
            responses = operation.get("responses", {})
            response = responses.get(status) or responses.get("default")
            if response is None:
                failures.append(f"{number}: {method} {template} -> {status}: status not in the spec")
                continue
            response = resolve(spec, response)
            content = response.get("content", {})
            media = content.get("application/json") or next(iter(content.values()), None)
            if media is None or "schema" not in media:
                failures.append(f"{number}: {method} {template} -> {status}: no schema")
                continue
            if "application/json" in content:
                try:
                    body = json.loads(record["body"])
                except json.JSONDecodeError as error:
                    failures.append(f"{number}: {method} {template} -> {status}: not JSON: {error}")
                    continue
            else:
                body = record["body"]
            validator = validator_class(media["schema"], resolver=resolver)
            errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
            for error in errors[:3]:
                failures.append(f"{number}: {method} {template} -> {status}: "
                                f"{'/'.join(map(str, error.path))}: {error.message}")
            checked += 1
    for failure in failures:
        print(failure)
    print(f"openapi conformance: {checked} responses checked, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
