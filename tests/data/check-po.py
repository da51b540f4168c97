#!/usr/bin/env python3
"""Translation checks.

  check-po.py stats PO
      msgfmt --check accepts PO and reports no untranslated or fuzzy message.
  check-po.py complete SOURCE_ROOT PO
      every string that xgettext extracts from po/POTFILES.in (with the same
      keywords as meson's 'glib' preset) has a finished translation in PO,
      so a string added to the code cannot ship untranslated.
  check-po.py potfiles SOURCE_ROOT [--expect TEXT]... [--never TEXT]...
      POTFILES.in lists only files that exist, and lists every file under
      src/ and data/ with user-visible strings: strings marked for
      translation, and strings the app shows (a literal handed to a label,
      a status page, a toast, a dialog…; a sentence anywhere in src/app
      outside a log call; a shown property of a template). A shown string
      that is not marked for translation fails too, wherever it is. With
      --expect, the check itself is tested: it must fail, say each --expect
      TEXT and none of the --never ones.
"""

import contextlib
import io
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

# Calls whose string arguments the marking functions translate.
MARKING_CALLS = {'_', 'N_', 'C_', 'NC_', 'gettext', 'ngettext', 'dgettext', 'dngettext',
                 'g_dgettext', 'g_dngettext', 'g_dpgettext', 'g_dpgettext2', 'g_dcgettext'}

# Calls that put their string arguments in front of a person: widgets'
# texts, dialogs, toasts, notifications, what a command line prints.
def _any_argument(index):
    return True


def _response_labels(index):
    # adw_message_dialog_add_response[s] (dialog, id, label, id, label, …)
    return index >= 2 and index % 2 == 0


SHOWN_CALLS = dict.fromkeys([
    'gtk_label_new', 'gtk_label_set_label', 'gtk_label_set_text', 'gtk_label_set_markup',
    'gtk_label_new_with_mnemonic', 'gtk_label_set_text_with_mnemonic', 'gtk_button_new_with_label',
    'gtk_button_new_with_mnemonic', 'gtk_button_set_label', 'gtk_check_button_new_with_label',
    'gtk_check_button_set_label', 'gtk_widget_set_tooltip_text', 'gtk_widget_set_tooltip_markup',
    'gtk_window_set_title', 'gtk_entry_set_placeholder_text', 'gtk_text_set_placeholder_text',
    'gtk_search_entry_set_placeholder_text', 'gtk_file_chooser_native_new', 'gtk_alert_dialog_new',
    'gtk_application_inhibit', 'gtk_string_list_append', 'adw_status_page_set_title',
    'adw_status_page_set_description', 'adw_preferences_row_set_title',
    'adw_preferences_group_set_title', 'adw_preferences_group_set_description',
    'adw_preferences_page_set_title', 'adw_action_row_set_subtitle',
    'adw_expander_row_set_subtitle', 'adw_toast_new', 'adw_toast_set_title',
    'adw_toast_set_button_label', 'adw_message_dialog_new', 'adw_message_dialog_set_heading',
    'adw_message_dialog_set_body', 'adw_window_title_set_title', 'adw_window_title_set_subtitle',
    'g_notification_new', 'g_notification_set_body', 'g_printerr',
], _any_argument)
SHOWN_CALLS['adw_message_dialog_add_response'] = _response_labels
SHOWN_CALLS['adw_message_dialog_add_responses'] = _response_labels

# Calls that write to a log, never to a person: their texts stay English.
LOG_CALLS = {'g_debug', 'g_info', 'g_message', 'g_warning', 'g_critical', 'g_error', 'g_log',
             'g_log_structured', 'g_print', 'g_test_message', 'g_test_skip', 'g_test_fail_printf',
             'g_assert_cmpstr', 'g_return_val_if_reached', 'g_warn_if_reached', 'g_test_add_func',
             'g_test_add', 'g_test_add_data_func', 'g_test_bug'}

# Template properties a person reads.
SHOWN_PROPERTIES = {'label', 'title', 'subtitle', 'description', 'tooltip-text', 'tooltip-markup',
                    'placeholder-text', 'heading', 'body', 'text', 'secondary-text', 'accelerator-label'}

FORMAT_SPEC = re.compile(r'%(?:\d+\$)?[-+ #0\']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|q|j|z|t|L)?[a-zA-Z%]')
LETTER = re.compile(r'[^\W\d_]', re.UNICODE)


def has_words(text):
    """Whether @text, without format specifiers and escapes, holds a letter."""
    text = FORMAT_SPEC.sub('', re.sub(r'\\.', '', text))
    return LETTER.search(text) is not None


def looks_like_sentence(text):
    """A sentence: capitalised, several words, ending like one."""
    text = FORMAT_SPEC.sub('', re.sub(r'\\.', ' ', text)).strip()
    return (len(text.split()) >= 3 and LETTER.match(text[0]) is not None and text[0].isupper()
            and text[-1] in '.!?…:')


def c_literals(source):
    """(text, innermost call, its argument index, the call around it, its
    argument index) for each string literal of a C file, adjacent literals
    joined, comments and preprocessor lines skipped."""
    found = []
    stack = []          # [name, argument index] of the calls we are inside, innermost last
    i, n = 0, len(source)
    last_word = None    # the identifier just before a '(', if any
    pending = None      # a literal being joined with the next adjacent one
    while i < n:
        c = source[i]
        if source.startswith('/*', i):
            i = source.find('*/', i + 2)
            i = n if i < 0 else i + 2
            continue
        if source.startswith('//', i):
            i = source.find('\n', i)
            i = n if i < 0 else i
            continue
        if c == '#' and (i == 0 or source[i - 1] == '\n'):
            # Preprocessor lines (includes, defines) show nothing by themselves.
            while i < n and source[i] != '\n':
                i = source.find('\n', i)
                i = n if i < 0 else i
                if source[i - 1] == '\\':
                    i += 1
            continue
        if c == "'":
            j = i + 1
            while j < n and source[j] != "'":
                j += 2 if source[j] == '\\' else 1
            i = j + 1
            continue
        if c == '"':
            j = i + 1
            while j < n and source[j] != '"':
                j += 2 if source[j] == '\\' else 1
            text = source[i + 1:j]
            if pending is not None:
                pending[0] += text
            else:
                inner = stack[-1] if stack else [None, 0]
                outer = stack[-2] if len(stack) > 1 else [None, 0]
                pending = [text, inner[0], inner[1], outer[0], outer[1]]
            i = j + 1
            continue
        if c.isspace():
            i += 1
            continue
        if c.isalpha() or c == '_':
            j = i
            while j < n and (source[j].isalnum() or source[j] == '_'):
                j += 1
            word = source[i:j]
            # A macro such as G_GINT64_FORMAT between literals keeps joining them.
            if not (pending is not None and word.isupper()):
                if pending is not None:
                    found.append(tuple(pending))
                    pending = None
            last_word = word
            i = j
            continue
        if pending is not None:
            found.append(tuple(pending))
            pending = None
        if c == '(':
            stack.append([last_word, 0])
        elif c == ')':
            if stack:
                stack.pop()
        elif c == ',' and stack:
            stack[-1][1] += 1
        last_word = None
        i += 1
    if pending is not None:
        found.append(tuple(pending))
    return found


def unmarked_shown_strings(path, rel):
    """The strings of a C or template file that a person reads without a
    translation, and whether the file has user-visible strings at all."""
    with open(path, encoding='utf-8', errors='replace') as f:
        source = f.read()
    ext = os.path.splitext(path)[1]
    mark = TRANSLATABLE_MARKS.get(ext)
    visible = bool(mark and mark.search(source))
    unmarked = []
    if ext == '.c':
        in_app = rel.startswith('src/app/')
        for text, call, index, outer, outer_index in c_literals(source):
            if call in MARKING_CALLS:
                visible = True
                continue
            if not has_words(text):
                continue
            if (call in SHOWN_CALLS and SHOWN_CALLS[call] (index)) or \
               (outer in SHOWN_CALLS and SHOWN_CALLS[outer] (outer_index) and call not in LOG_CALLS):
                unmarked.append(text)
            elif in_app and call not in LOG_CALLS and outer not in LOG_CALLS and looks_like_sentence(text):
                unmarked.append(text)
    elif ext == '.ui':
        for match in re.finditer(r'<property\s+name="([^"]+)"([^>]*)>([^<]*)</property>', source):
            name, attributes, text = match.groups()
            if name in SHOWN_PROPERTIES and has_words(text) and 'translatable' not in attributes:
                unmarked.append(text)
    return visible or bool(unmarked), unmarked


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
            dirnames.sort()
            for filename in sorted(filenames):
                if os.path.splitext(filename)[1] not in TRANSLATABLE_MARKS:
                    continue
                path = os.path.join(dirpath, filename)
                rel = os.path.relpath(path, root)
                visible, unmarked = unmarked_shown_strings(path, rel)
                if visible and rel not in listed:
                    print('FAIL: %s has user-visible strings but is not in po/POTFILES.in' % rel)
                    failed = 1
                for text in unmarked:
                    print('FAIL: %s shows "%s" without marking it for translation' % (rel, text))
                    failed = 1
    if not failed:
        print('POTFILES.in lists %d files, all present; every shown string is marked' % len(listed))
    return failed


def expect_failure(status, output, expected, refused):
    """The check is tested on a tree made to fail: it must, saying why, and
    must not blame what is fine (log lines, response ids, a dash)."""
    print(output)
    missing = [text for text in expected if text not in output]
    wrong = [text for text in refused if text in output]
    for text in missing:
        print('EXPECTED BUT NOT SAID: %s' % text)
    for text in wrong:
        print('SAID BUT WRONG: %s' % text)
    if status == 0:
        print('FAIL: the check passed a tree it must reject')
        return 1
    return 1 if missing or wrong else 0


def main(argv):
    if len(argv) == 3 and argv[1] == 'stats':
        return check_stats(argv[2])
    if len(argv) == 4 and argv[1] == 'complete':
        return check_complete(argv[2], argv[3])
    if len(argv) >= 3 and argv[1] == 'potfiles':
        expected = [argv[i + 1] for i in range(3, len(argv) - 1) if argv[i] == '--expect']
        refused = [argv[i + 1] for i in range(3, len(argv) - 1) if argv[i] == '--never']
        if not expected:
            return check_potfiles(argv[2])
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            status = check_potfiles(argv[2])
        return expect_failure(status, buffer.getvalue(), expected, refused)
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
