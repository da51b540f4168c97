#!/usr/bin/env python3
"""The merged desktop file and AppStream metadata agree with the project and
carry the translations of every language in po/LINGUAS.

Usage: check-desktop-metadata.py APP_ID VERSION DESKTOP METAINFO LINGUAS

The validators (desktop-file-validate, appstreamcli) check each file against
its specification; this checks what they cannot know: that the launcher,
the icon, the binary and the newest release match this project, and that the
i18n merge really happened.
"""

import configparser
import sys
import xml.etree.ElementTree as ET

XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'
EXECUTABLE = 'gate-scanner'


def languages(linguas):
    with open(linguas, encoding='utf-8') as f:
        return [w for line in f if not line.startswith('#') for w in line.split()]


def check_desktop(path, app_id, langs):
    failures = []
    parser = configparser.RawConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read(path, encoding='utf-8')
    if not parser.has_section('Desktop Entry'):
        return ['%s has no [Desktop Entry] group' % path]
    entry = parser['Desktop Entry']
    if entry.get('Exec', '').split()[:1] != [EXECUTABLE]:
        failures.append('desktop Exec=%s does not start %s' % (entry.get('Exec'), EXECUTABLE))
    if entry.get('Icon') != app_id:
        failures.append('desktop Icon=%s, expected %s' % (entry.get('Icon'), app_id))
    for lang in langs:
        for key in ('Name', 'Comment', 'Keywords'):
            value = entry.get('%s[%s]' % (key, lang))
            if not value:
                failures.append('desktop file lacks %s[%s]: translations were not merged'
                                % (key, lang))
            elif key == 'Keywords' and not value.endswith(';'):
                failures.append('Keywords[%s] must end with a semicolon' % lang)
    return failures


def check_metainfo(path, app_id, version, langs):
    failures = []
    root = ET.parse(path).getroot()
    if root.findtext('id') != app_id:
        failures.append('metainfo id is %s, expected %s' % (root.findtext('id'), app_id))
    launchables = [l.text for l in root.findall('launchable')
                   if l.get('type') == 'desktop-id']
    if launchables != [app_id + '.desktop']:
        failures.append('metainfo launchable is %s, expected %s.desktop' % (launchables, app_id))
    binaries = [b.text for b in root.findall('provides/binary')]
    if EXECUTABLE not in binaries:
        failures.append('metainfo does not provide the binary %s' % EXECUTABLE)
    releases = root.findall('releases/release')
    if not releases or releases[0].get('version') != version:
        failures.append('newest metainfo release is %s, but meson.build says %s'
                        % (releases[0].get('version') if releases else None, version))
    rating = root.find('content_rating')
    if rating is None or rating.get('type') != 'oars-1.1':
        failures.append('metainfo needs <content_rating type="oars-1.1"/>')
    shots = root.findall('screenshots/screenshot')
    if len(shots) < 4:
        failures.append('metainfo shows %d screenshots, expected 4' % len(shots))
    for shot in shots:
        image = shot.findtext('image') or ''
        if not image.startswith('https://'):
            failures.append('screenshot image %r is not an https URL' % image)
        if not shot.findtext('caption'):
            failures.append('screenshot %s has no caption' % image)
    for lang in langs:
        for tag in ('name', 'summary'):
            if not any(e.get(XML_LANG) == lang for e in root.findall(tag)):
                failures.append('metainfo lacks <%s xml:lang="%s">: translations were not merged'
                                % (tag, lang))
        if not any(e.get(XML_LANG) == lang for e in root.iter('p')):
            failures.append('metainfo description has no %s paragraphs' % lang)
    return failures


def main(argv):
    if len(argv) != 6:
        print(__doc__)
        return 2
    app_id, version, desktop, metainfo, linguas = argv[1:]
    langs = languages(linguas)
    failures = check_desktop(desktop, app_id, langs)
    failures += check_metainfo(metainfo, app_id, version, langs)
    for failure in failures:
        print('FAIL: ' + failure)
    if not failures:
        print('desktop file and metainfo agree with the project; languages: %s'
              % ' '.join(langs))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
