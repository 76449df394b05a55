#!/usr/bin/python3
"""docs/api.md's Python section, run exactly as written: its shell block (generating the stubs into
gen/) from a scratch directory holding proto/, then its Python block against `flowhost serve
--offline` (the bundled fake OpenRouter), with FLOWHOST_TARGET naming the server's port.

Usage (ctest runs it): docs_python_test.py --flowhost BIN --fake BIN --source DIR --out DIR
"""
import argparse
import os
import re
import shutil
import subprocess
import sys


def python_section_blocks(api_md):
    """The first ```sh and the first ```python block after the '## Python' heading."""
    with open(api_md) as f:
        text = f.read()
    section = text[text.index("\n## Python\n"):]
    section = section[:section.find("\n## ", 1)]
    sh = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    py = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    return sh, py


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flowhost", required=True)
    parser.add_argument("--fake", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    sh, py = python_section_blocks(os.path.join(args.source, "docs", "api.md"))
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    os.symlink(os.path.join(args.source, "proto"), os.path.join(args.out, "proto"))
    # Debian's python3 first: the documented command says `python3`.
    env = dict(os.environ, PATH="/usr/bin:/bin:" + os.environ.get("PATH", ""))
    subprocess.run(["/bin/sh", "-e", "-c", sh], cwd=args.out, env=env, check=True)

    server_env = dict(env, FLOWHOST_FAKE_OPENROUTER=args.fake, OPENROUTER_API_KEY="")
    server = subprocess.Popen(
        [args.flowhost, "serve", "--offline", "--listen", "127.0.0.1:0", "--workflows",
         os.path.join(args.source, "workflows"), "--store", "none", "--log-level", "error"],
        stdout=subprocess.PIPE, env=server_env, text=True)
    try:
        line = server.stdout.readline().strip()
        if not line.startswith("LISTENING "):
            raise AssertionError("flowhost serve did not start: %r" % line)
        with open(os.path.join(args.out, "snippet.py"), "w") as f:
            f.write(py)
        result = subprocess.run(
            ["/usr/bin/python3", "snippet.py"], cwd=args.out, capture_output=True, text=True,
            timeout=120, env=dict(env, FLOWHOST_TARGET="127.0.0.1:" + line.split()[1]))
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        if result.returncode != 0:
            raise AssertionError("the snippet exited with %d" % result.returncode)
        lines = result.stdout.splitlines()
        expected = ["Fake answer to: What is a monad?", "Fake answer to: What is a monad?",
                    "StatusCode.NOT_FOUND not_found"]
        if lines != expected:
            raise AssertionError("the snippet printed %r, expected %r" % (lines, expected))
    finally:
        server.terminate()
        code = server.wait(timeout=60)
    if code != 0:
        raise AssertionError("flowhost serve exited with %d" % code)
    print("docs/api.md's Python section runs as written")


if __name__ == "__main__":
    main()
