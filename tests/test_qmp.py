# SPDX-License-Identifier: GPL-2.0
"""Tests of rig/qmp.py against a fake QMP server on a Unix socket."""

import json
import os
import socket
import subprocess
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
QMP = os.path.join(HERE, "..", "rig", "qmp.py")


class FakeQemu(threading.Thread):
    """Greets, then answers each command in turn from @replies, an event
    first; records what it was sent."""

    def __init__(self, path, replies):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(path)
        self.sock.listen(1)
        self.replies = replies
        self.received = []

    def run(self):
        conn, _ = self.sock.accept()
        self.sock.close()
        with conn, conn.makefile("rw") as f:
            f.write('{"QMP": {"version": {}, "capabilities": []}}\n')
            f.flush()
            for reply in self.replies:
                line = f.readline()
                if not line:
                    return
                self.received.append(json.loads(line))
                f.write('{"event": "SOMETHING", "data": {}}\n')
                f.write(json.dumps(reply) + "\n")
                f.flush()


class QmpTest(unittest.TestCase):
    def run_qmp(self, replies, *args):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "qmp.sock")
            qemu = FakeQemu(path, replies)
            qemu.start()
            r = subprocess.run([QMP, path, *args], capture_output=True,
                               text=True, timeout=30)
            qemu.join(5)
            return r, qemu.received

    def test_command_with_arguments(self):
        args = {"path": "/machine/peripheral/vmem0",
                "property": "requested-size", "value": 1 << 30}
        r, sent = self.run_qmp([{"return": {}}, {"return": {}}],
                               "qom-set", json.dumps(args))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "qmp: qom-set: ok\n")
        self.assertEqual(sent, [{"execute": "qmp_capabilities"},
                                {"execute": "qom-set", "arguments": args}])

    def test_error_is_reported(self):
        r, _ = self.run_qmp([{"return": {}},
                             {"error": {"class": "GenericError",
                                        "desc": "no such device"}}],
                            "qom-set", "{}")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "qmp: qom-set: error: no such device\n")

    def test_bad_json_sends_nothing(self):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([QMP, os.path.join(d, "none"), "qom-set",
                                "{not json"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("arguments are not JSON", r.stdout)

    def test_no_qemu(self):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([QMP, os.path.join(d, "none"), "qom-set"],
                               capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("qmp: qom-set: error: QEMU's monitor at", r.stdout)
        self.assertEqual(r.stderr, "")


if __name__ == "__main__":
    unittest.main()
