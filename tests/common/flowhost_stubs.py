"""Python stubs of flowhost.v1 for the tests that drive a real server from Python.

Generated at test time with grpc_tools (Debian's python3-grpcio-tools), against the bundled
well-known protos when grpc_tools ships them, else Debian's in /usr/include.
"""

import os
import sys


def generate_stubs(proto_dir, out):
    """Writes the stubs of proto_dir's flowhost/v1 files into out and puts out on sys.path."""
    from grpc_tools import protoc
    include = "/usr/include"
    try:
        import pkg_resources
        bundled = pkg_resources.resource_filename("grpc_tools", "_proto")
        if os.path.isdir(bundled):
            include = bundled
    except Exception:
        pass
    os.makedirs(out, exist_ok=True)
    files = [os.path.join("flowhost", "v1", name)
             for name in ("workflow.proto", "error_details.proto", "workflow_service.proto")]
    code = protoc.main(["grpc_tools.protoc", "-I" + proto_dir, "-I" + include,
                        "--python_out=" + out, "--grpc_python_out=" + out] + files)
    if code != 0:
        raise RuntimeError("protoc failed with %d" % code)
    sys.path.insert(0, out)
