#!/usr/bin/env python3
"""Translation checks.

  check-po.py stats PO
      msgfmt --check accepts PO and reports no untranslated or fuzzy message.
  check-po.py complete SOURCE_ROOT PO
      every string that xgettext extracts from po/POTFILES.in (with the same
      keywords as meson's 'glib' preset) has a finished translation in PO,
      so a string added to the code cannot ship untranslated.
  check-po.py potfiles SOURCE_ROOT
      POTFILES.in lists only files that exist, and lists every file under
      src/ and data/ that marks strings for translation.
"""

import os
import re
import subprocess
import sys
import tempfile

# The keywords of meson's i18n.gettext(preset: 'glib').
GLIB_KEYWORDS = ['_', 'N_', 'C_:1c,2', 'NC_:1c,2', 'g_dcgettext:2',
                 'g_dngettext:2,3', 'g_dpgettext2:2c,3']

# How a file marks a string for translation, by extension.
TRANSLATABLE_MARKS = {
    '.c': re.compile(r'\b(?:_|N_|C_|NC_|ngettext|g_dngettext|g_dpgettext2)\s*\('),
    '.ui': re.compile(r'translatable\s*=\s*"(?:yes|true)"'),
    '.blp': re.compile(r'\b_\s*\('),
}


def run(argv):
    env = dict(os.environ, LC_ALL='C')
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, env=env)
    return proc.returncode, proc.stdout


def potfiles(root):
    path = os.path.join(root, 'po', 'POTFILES.in')
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f
                if line.strip() and not line.lstrip().startswith('#')]


def check_stats(po):
    status, output = run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po])
    print(output.strip())
    if status != 0:
        print('FAIL: msgfmt --check rejects %s' % po)
        return 1
    if 'untranslated' in output or 'fuzzy' in output:
        print('FAIL: %s has untranslated or fuzzy messages' % po)
        return 1
    if not re.search(r'\b[1-9]\d* translated message', output):
        print('FAIL: %s has no translated message' % po)
        return 1
    return 0


def check_complete(root, po):
    files = potfiles(root)
    with tempfile.TemporaryDirectory() as tmp:
        listing = os.path.join(tmp, 'POTFILES')
        with open(listing, 'w', encoding='utf-8') as f:
            f.write('\n'.join(files) + '\n')
        pot = os.path.join(tmp, 'template.pot')
        argv = ['xgettext', '--from-code=UTF-8', '--add-comments', '--force-po',
                '--package-name=gate-scanner', '-D', root, '-f', listing, '-o', pot]
        argv += ['--keyword=' + k for k in GLIB_KEYWORDS]
        status, output = run(argv)
        if status != 0:
            print(output)
            print('FAIL: xgettext could not extract the template')
            return 1
        status, output = run(['msgcmp', po, pot])
        # Strings that are translated but no longer used are only warnings.
        print(output.strip())
        if status != 0:
            merged = os.path.join(tmp, 'merged.po')
            run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged, po, pot])
            for flag in ('--untranslated', '--only-fuzzy'):
                _, entries = run(['msgattrib', flag, '--no-wrap', '--no-location', merged])
                for line in entries.splitlines():
                    if line.startswith('msgid "') and line != 'msgid ""':
                        print('needs translation: ' + line[len('msgid '):])
    if status != 0:
        print('FAIL: %s lacks finished translations of the strings above; run '
              '"meson compile -C <builddir> gate-scanner-update-po" and translate them'
              % os.path.basename(po))
        return 1
    print('%s translates every extracted string' % po)
    return 0


def check_potfiles(root):
    listed = potfiles(root)
    failed = 0
    for name in listed:
        if not os.path.isfile(os.path.join(root, name)):
            print('FAIL: POTFILES.in lists %s, which does not exist' % name)
            failed = 1
    for top in ('src', 'data'):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            for filename in filenames:
                mark = TRANSLATABLE_MARKS.get(os.path.splitext(filename)[1])
                if not mark:
                    continue
                path = os.path.join(dirpath, filename)
                rel = os.path.relpath(path, root)
                with open(path, encoding='utf-8', errors='replace') as f:
                    if mark.search(f.read()) and rel not in listed:
                        print('FAIL: %s has translatable strings but is not in '
                              'po/POTFILES.in' % rel)
                        failed = 1
    if not failed:
        print('POTFILES.in lists %d files, all present' % len(listed))
    return failed


def main(argv):
    if len(argv) == 3 and argv[1] == 'stats':
        return check_stats(argv[2])
    if len(argv) == 4 and argv[1] == 'complete':
        return check_complete(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == 'potfiles':
        return check_potfiles(argv[2])
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
