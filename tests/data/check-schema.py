#!/usr/bin/env python3
"""The settings the app relies on exist in the compiled schema, with the
agreed types, defaults and ranges, and each is documented.

Usage: check-schema.py GSETTINGS PATH_TO_GSCHEMA_XML COMPILED_SCHEMA_DIR

Reads the compiled schema through the gsettings tool (as the app will, with
GSETTINGS_SCHEMA_DIR pointing at the build directory) and the source file for
summaries and descriptions.
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

SCHEMA_ID = 'io.github.gatescanner.GateScanner'

# name: (GVariant type, default as gsettings prints it, range as printed)
EXPECTED = {
    'server-url': ('s', "''", 'type s'),
    'apikey': ('s', "''", 'type s'),
    'event-id': ('s', "''", 'type s'),
    'device-id': ('s', "''", 'type s'),
    'device-name': ('s', "''", 'type s'),
    'camera-source': ('s', "'auto'", 'type s'),
    'decoder': ('s', "'auto'", "enum\n'zbar'\n'zxing'\n'auto'"),
    'sounds': ('b', 'true', 'type b'),
    'verdict-hold-ms': ('u', 'uint32 2500', 'range u 1000 10000'),
    'debounce-ms': ('u', 'uint32 3000', 'range u 0 60000'),
    'refresh-interval-seconds': ('u', 'uint32 300', 'range u 30 3600'),
    'list-id': ('s', "''", 'type s'),
    'kiosk-mode': ('b', 'false', 'type b'),
    'require-operator-sign-in': ('b', 'false', 'type b'),
    'kiosk-pin-hash': ('s', "''", 'type s'),
    'window-width': ('i', '1024', 'type i'),
    'window-height': ('i', '768', 'type i'),
    'window-maximized': ('b', 'false', 'type b'),
}


def gsettings(tool, schema_dir, *args):
    env = dict(os.environ, GSETTINGS_BACKEND='memory', LC_ALL='C')
    proc = subprocess.run([tool, '--schemadir', schema_dir] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, env=env)
    return proc.returncode, proc.stdout.strip()


def main(argv):
    if len(argv) != 4:
        print(__doc__)
        return 2
    tool, source, schema_dir = argv[1:]
    failures = []

    status, keys = gsettings(tool, schema_dir, 'list-keys', SCHEMA_ID)
    if status != 0:
        print('FAIL: schema %s is not compiled in %s: %s' % (SCHEMA_ID, schema_dir, keys))
        return 1
    keys = set(keys.split())
    for name in sorted(keys - set(EXPECTED)):
        failures.append('unexpected key %s (add it to this test and to the app contract)' % name)
    for name in sorted(set(EXPECTED) - keys):
        failures.append('missing key %s' % name)

    for name, (_, default, value_range) in sorted(EXPECTED.items()):
        if name not in keys:
            continue
        _, got = gsettings(tool, schema_dir, 'get', SCHEMA_ID, name)
        if got != default:
            failures.append('%s defaults to %s, expected %s' % (name, got, default))
        _, got = gsettings(tool, schema_dir, 'range', SCHEMA_ID, name)
        if got != value_range:
            failures.append('%s has range %r, expected %r' % (name, got, value_range))

    # Types and documentation come from the source file.
    root = ET.parse(source).getroot()
    schema = next((s for s in root.findall('schema') if s.get('id') == SCHEMA_ID), None)
    for key in schema.findall('key') if schema is not None else []:
        name = key.get('name')
        if name not in EXPECTED:
            continue
        expected_type = EXPECTED[name][0]
        got_type = 's' if key.get('enum') else key.get('type')
        if got_type != expected_type:
            failures.append('%s has type %s, expected %s' % (name, got_type, expected_type))
        for field in ('summary', 'description'):
            text = key.findtext(field)
            if not text or not text.strip():
                failures.append('%s has no %s' % (name, field))

    for failure in failures:
        print('FAIL: ' + failure)
    if not failures:
        print('%d keys as agreed' % len(EXPECTED))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
