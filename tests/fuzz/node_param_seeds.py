#!/usr/bin/python3
"""Workflow seeds for the workflow_loader fuzz target, made from every node type's parameter schema.

    flowhost nodes --json | tests/fuzz/node_param_seeds.py OUT_DIR

The seeds make_seeds.py gathers (example workflows, golden files, docs) use few of each node type's
parameters, so the fuzzer found each type's own parameter checks (merge's join modes, the router's
routes and health policy, ...) only by chance, a few edges per million runs. This writes, for each
node type the server lists, workflows that set its parameters: all of them with a value their
schema allows; each enum value in turn; each scalar as an expression; each with a value of the wrong
type; and the type fed by another node, so that ports and wiring are checked too. Names the
schema cannot explain (a route's node, a model, a duration) get values from NAMED_SAMPLES. Written into a
target's work corpus (BUILD/fuzz-work/workflow_loader/corpus), `run.sh --merge workflow_loader`
keeps those that add coverage. Standard library only.
"""
import json
import pathlib
import re
import sys

PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


DURATION_WORDS = ("timeout", "cooldown", "window", "duration", "wait", "delay", "backoff")
# Values the schema cannot say: what a property of this name holds in a workflow that loads.
NAMED_SAMPLES = {
    "node": "helper",  # a node of the seed that nothing else runs
    "model": "openai/gpt-4o-mini",
    "models": ["openai/gpt-4o-mini", "anthropic/claude-3.5-haiku"],
    "accept": "{{ $json.content != '' }}",
    "workflow": "other-workflow",
    "id_regex": "^openai/",
    "id": "openai/*",
}
# Keys of which a route (router.fallback's `routes`) sets exactly one.
ROUTE_TARGETS = ("node", "model", "models", "query")


def sample(schema, depth=0, name=""):
    """A value the schema allows (its default, first enum value, or one of its type)."""
    if not isinstance(schema, dict):
        return "x"
    if name in NAMED_SAMPLES and "enum" not in schema:
        return NAMED_SAMPLES[name]
    if any(word in name for word in DURATION_WORDS) and "string" in json.dumps(schema.get("type")):
        return "10m" if name.startswith("max_") else schema.get("default", "250ms")
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        if depth > 3:
            return {}
        return {key: sample(value, depth + 1, key) for key, value in properties.items()}
    if kind == "array":
        items = schema.get("items", {})
        item = sample(items, depth + 1, name)
        if isinstance(item, dict) and sum(key in item for key in ROUTE_TARGETS) > 1:
            # One element per target, each with the other keys: a route names one target.
            common = {key: value for key, value in item.items() if key not in ROUTE_TARGETS}
            routes = [{key: item[key], **common} for key in ROUTE_TARGETS if key in item]
            return [{"node": item["node"]} if "node" in route else route for route in routes]
        return [item] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return schema.get("minimum", 0.5)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if schema.get("x-field-path"):
        return "a.b"
    return "x"


def wrong(value):
    """A value of another type than `value`."""
    if isinstance(value, bool):
        return "yes please"
    if isinstance(value, (int, float)):
        return "12abc"
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return {"not": "a list"}
    if isinstance(value, dict):
        return 7
    return {}


def yaml_scalar(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def yaml_lines(value, indent):
    """`value` in YAML block style, as lines indented by `indent` spaces."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        lines = []
        for key, member in value.items():
            name = key if PLAIN_KEY.match(key) else json.dumps(key)
            if isinstance(member, (dict, list)) and member:
                lines.append(f"{pad}{name}:")
                lines.extend(yaml_lines(member, indent + 2))
            else:
                lines.append(f"{pad}{name}: {yaml_flow(member)}")
        return lines
    if isinstance(value, list) and value:
        lines = []
        for element in value:
            if isinstance(element, (dict, list)) and element:
                inner = yaml_lines(element, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {yaml_flow(element)}")
        return lines
    return [pad + yaml_flow(value)]


def yaml_flow(value):
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {yaml_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(yaml_flow(v) for v in value) + "]"
    return yaml_scalar(value)


def workflow(name, node_type, params, fed=False):
    lines = [f"name: {name}", "nodes:"]
    if fed:  # a source wired to the node's first input (for merge, its two first inputs)
        target = "[node:in0, node:in1]" if node_type == "merge" else "node"
        lines += ["  - name: source", "    type: noop", f"    next: {target}"]
    lines += ["  - name: node", f"    type: {node_type}"]
    if params:
        lines.append("    params:")
        lines.extend(yaml_lines(params, 6))
    if "helper" in json.dumps(params):
        lines += ["  - name: helper", "    type: noop"]
    return "\n".join(lines) + "\n"


def seeds_for(node):
    schema = node.get("parameters") or {}
    properties = schema.get("properties", {})
    full = {key: sample(value, 0, key) for key, value in properties.items()}
    yield "full", full
    yield "required", {key: full[key] for key in schema.get("required", []) if key in full}
    for key, value in properties.items():
        for option in value.get("enum", [])[1:]:
            yield f"{key}-{option}", {**full, key: option}
        if not isinstance(full[key], (dict, list)):
            yield f"{key}-expression", {**full, key: "{{ $json.value }}"}
        yield f"{key}-wrong", {**full, key: wrong(full[key])}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for node in json.load(sys.stdin):
        node_type = node["type"]
        slug = re.sub(r"[^a-z0-9]+", "-", node_type.lower())
        for variant, params in seeds_for(node):
            for fed in (False, True):
                name = f"seed-{slug}-{re.sub(r'[^a-z0-9]+', '-', variant.lower())}"
                text = workflow(name, node_type, params, fed)
                (out / f"node-params-{slug}-{count:04d}.yaml").write_text(text, encoding="utf-8")
                count += 1
    print(f"{count} workflows in {out}")


if __name__ == "__main__":
    main()
