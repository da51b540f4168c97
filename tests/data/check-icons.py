#!/usr/bin/env python3
"""Check the application icons.

Usage: check-icons.py APP_ID ICON_DIR [--thumbnailer PATH]

ICON_DIR is data/icons/hicolor. The full-colour icon must be a self-contained
128x128 SVG; the symbolic one a 16x16 SVG in a single colour (GTK recolours
it). With --thumbnailer (gdk-pixbuf-thumbnailer), each icon is also rendered
through gdk-pixbuf's SVG loader, as GTK would load it.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG_NS = '{http://www.w3.org/2000/svg}'
XLINK_HREF = '{http://www.w3.org/1999/xlink}href'
FORBIDDEN_ELEMENTS = {'image', 'script', 'foreignObject', 'text'}
COLOUR_PROPERTIES = ('fill', 'stroke', 'stop-color')


def colours(element):
    found = set()
    for prop in COLOUR_PROPERTIES:
        if element.get(prop):
            found.add(element.get(prop).strip().lower())
    for decl in (element.get('style') or '').split(';'):
        name, _, value = decl.partition(':')
        if name.strip() in COLOUR_PROPERTIES and value.strip():
            found.add(value.strip().lower())
    return found - {'none'}


def check_svg(path, size, symbolic):
    problems = []
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        return ['%s: not well-formed XML: %s' % (path, e)]
    if root.tag != SVG_NS + 'svg':
        return ['%s: root element is %s, not an SVG <svg>' % (path, root.tag)]

    view_box = [float(v) for v in re.split(r'[\s,]+', (root.get('viewBox') or '').strip()) if v]
    if view_box != [0, 0, size, size]:
        problems.append('%s: viewBox should be "0 0 %d %d"' % (path, size, size))
    for attr in ('width', 'height'):
        if root.get(attr) not in (str(size), '%dpx' % size):
            problems.append('%s: %s should be %d' % (path, attr, size))

    used = set()
    shapes = 0
    for element in root.iter():
        local = element.tag.replace(SVG_NS, '')
        if not element.tag.startswith(SVG_NS):
            problems.append('%s: element %s is not SVG' % (path, element.tag))
        if local in FORBIDDEN_ELEMENTS:
            problems.append('%s: <%s> is not allowed in an icon' % (path, local))
        if local in ('path', 'rect', 'circle', 'ellipse', 'polygon', 'polyline', 'line'):
            shapes += 1
        for attr in ('href', XLINK_HREF):
            href = element.get(attr)
            if href and not href.startswith('#'):
                problems.append('%s: external reference %s' % (path, href))
        used |= colours(element)
    if shapes == 0:
        problems.append('%s: draws nothing' % path)
    if symbolic and len(used) > 1:
        problems.append('%s: a symbolic icon uses one colour, found %s'
                        % (path, ', '.join(sorted(used))))
    if not symbolic and len(used) < 3:
        problems.append('%s: a full-colour icon should use the palette, found %s'
                        % (path, ', '.join(sorted(used)) or 'no colour'))
    return problems


def render(thumbnailer, path):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'icon.png')
        proc = subprocess.run([thumbnailer, '-s', '64', path, out],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True)
        if proc.returncode != 0 or not os.path.exists(out) or os.path.getsize(out) == 0:
            return ['%s: gdk-pixbuf cannot render it: %s' % (path, proc.stdout.strip())]
        with open(out, 'rb') as f:
            if f.read(8) != b'\x89PNG\r\n\x1a\n':
                return ['%s: rendering did not produce a PNG' % path]
    return []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('app_id')
    parser.add_argument('icon_dir')
    parser.add_argument('--thumbnailer')
    args = parser.parse_args()

    icons = [
        (os.path.join(args.icon_dir, 'scalable', 'apps', args.app_id + '.svg'), 128, False),
        (os.path.join(args.icon_dir, 'symbolic', 'apps', args.app_id + '-symbolic.svg'), 16, True),
    ]
    problems = []
    for path, size, symbolic in icons:
        if not os.path.isfile(path):
            problems.append('%s: missing' % path)
            continue
        problems += check_svg(path, size, symbolic)
        if args.thumbnailer:
            problems += render(args.thumbnailer, path)
    for problem in problems:
        print('FAIL: ' + problem)
    if not problems:
        print('icons ok%s' % (' (rendered with gdk-pixbuf)' if args.thumbnailer else ''))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
