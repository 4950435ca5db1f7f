#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one QMP command to a running QEMU and print its answer.

Usage: rig/qmp.py SOCKET COMMAND [JSON-ARGUMENTS]

rig/qemu-run.sh calls it to resize its virtio-mem device when a guest
script asks with a "@vmem-resize BYTES" line:
  rig/qmp.py SOCKET qom-set '{"path": "/machine/peripheral/vmem0",
      "property": "requested-size", "value": 1073741824}'
Prints "qmp: COMMAND: ok" or "qmp: COMMAND: error: DESC"; exit status 0 or 1.
"""

import json
import socket
import sys


def answer(stream):
    """The next reply on the stream, skipping asynchronous events."""
    for line in stream:
        msg = json.loads(line)
        if "return" in msg or "error" in msg:
            return msg
    raise ConnectionError("QEMU closed the QMP socket")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip())
    path, command = sys.argv[1], sys.argv[2]
    try:
        args = json.loads(sys.argv[3]) if len(sys.argv) == 4 else {}
    except json.JSONDecodeError as e:
        print(f"qmp: {command}: error: arguments are not JSON: {e}")
        return 1
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(30)
            s.connect(path)
            stream = s.makefile("rw")
            json.loads(stream.readline())  # the greeting
            for msg in ({"execute": "qmp_capabilities"},
                        {"execute": command, "arguments": args}):
                stream.write(json.dumps(msg) + "\n")
                stream.flush()
                reply = answer(stream)
                if "error" in reply:
                    print(f"qmp: {msg['execute']}: error: "
                          f"{reply['error']['desc']}")
                    return 1
    except (OSError, ValueError) as e:
        print(f"qmp: {command}: error: QEMU's monitor at {path}: {e}")
        return 1
    print(f"qmp: {command}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
