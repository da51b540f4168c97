#!/usr/bin/env python3
"""Validate the Flatpak manifest without building it.

No Flatpak runtime can be downloaded where the tests run, so this checks what
would otherwise only fail (or silently weaken the sandbox) on a builder:

  * the app id, command and runtime match the project;
  * the sandbox stays narrow: network yes, no home/host filesystem, no
    --device=all (the camera goes through the portal), no keyring D-Bus name
    (libsecret uses the secret portal);
  * every dependency('...') that the non-test meson.build files declare is in
    the GNOME runtime or built by a module of the manifest;
  * the main module only passes -D options that meson_options.txt defines;
  * every source is pinned the way flatpak-builder needs (git: tag or commit;
    archive/file: a real sha256).

Usage: check-flatpak-manifest.py MANIFEST SOURCE_ROOT [--expect TEXT]...

With --expect, the run inverts: it passes only if the manifest has problems
and every TEXT occurs in one of them (the self-test on a broken manifest).
"""

import argparse
import json
import os
import re
import sys

MIN_RUNTIME_VERSION = 47

# pkg-config names that org.gnome.Platform/Sdk 47 (on freedesktop-sdk 24.08)
# ships. Extend it only with names you have checked in the SDK.
RUNTIME_PROVIDES = {
    'cairo', 'cairo-gobject', 'fontconfig', 'freetype2', 'gdk-pixbuf-2.0',
    'gio-2.0', 'gio-unix-2.0', 'glib-2.0', 'gmodule-2.0', 'gobject-2.0',
    'gthread-2.0', 'graphene-1.0', 'graphene-gobject-1.0',
    'gstreamer-1.0', 'gstreamer-allocators-1.0', 'gstreamer-app-1.0',
    'gstreamer-audio-1.0', 'gstreamer-base-1.0', 'gstreamer-gl-1.0',
    'gstreamer-pbutils-1.0', 'gstreamer-plugins-bad-1.0',
    'gstreamer-plugins-base-1.0', 'gstreamer-tag-1.0', 'gstreamer-video-1.0',
    'gtk4', 'gtk4-wayland', 'gtk4-x11', 'json-glib-1.0', 'libadwaita-1',
    'libcrypto', 'libpipewire-0.3', 'libportal', 'libportal-gtk4',
    'libsecret-1', 'libsoup-3.0', 'libssl', 'libxml-2.0', 'openssl', 'pango',
    'pangocairo', 'sqlite3', 'zlib',
}

# Dependencies meson resolves itself, without pkg-config.
MESON_BUILTIN_DEPS = {'threads', 'dl', 'openmp', 'intl', 'iconv'}

# What the modules this manifest may carry provide, by module name.
MODULE_PROVIDES = {
    'zbar': {'zbar'},
    'libpq': {'libpq'},
    'postgresql': {'libpq'},
    'libqrencode': {'libqrencode'},
    'qrencode': {'libqrencode'},
    'libsodium': {'libsodium'},
}

REQUIRED_FINISH_ARGS = ['--share=network', '--socket=wayland',
                        '--socket=fallback-x11']

FORBIDDEN_FINISH_ARGS = [
    (re.compile(r'^--device=all$'),
     'the camera is reached through the camera portal'),
    (re.compile(r'^--filesystem=(home|host|host-os|host-etc|~)(/|:|$)'),
     'the app needs no access to the user\'s files'),
    (re.compile(r'^--talk-name=org\.freedesktop\.secrets$'),
     'libsecret uses the secret portal inside the sandbox'),
    (re.compile(r'^--socket=x11$'),
     'use --socket=fallback-x11 so Wayland sessions do not get X11'),
]

# Meson built-in options a manifest may legitimately set.
MESON_BUILTIN_OPTIONS = {
    'auto_features', 'buildtype', 'debug', 'default_library', 'optimization',
    'prefix', 'libdir', 'bindir', 'datadir', 'localedir', 'sysconfdir',
    'strip', 'warning_level', 'werror', 'wrap_mode', 'c_args', 'c_link_args',
}

SKIP_DIRS = {'tests', 'subprojects', 'flatpak', '.git', 'po', 'docs'}


def strip_comments(text):
    out = []
    for line in text.splitlines():
        quoted = False
        for i, ch in enumerate(line):
            if ch == "'":
                quoted = not quoted
            elif ch == '#' and not quoted:
                line = line[:i]
                break
        out.append(line)
    return '\n'.join(out)


def call_arguments(text, start):
    """Text between the parenthesis at text[start] and its match."""
    depth = 0
    quoted = False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    return text[start + 1:]


def meson_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        top = rel.split(os.sep)[0]
        if rel != '.' and (top in SKIP_DIRS or top.startswith(('_build', 'build', '.'))):
            dirnames[:] = []
            continue
        if 'meson.build' in filenames:
            yield os.path.join(dirpath, 'meson.build')


def declared_dependencies(path):
    """(names, required, line) for each dependency() call in a meson.build."""
    text = strip_comments(open(path, encoding='utf-8').read())
    for match in re.finditer(r'(?<![\w.])dependency\s*\(', text):
        args = call_arguments(text, match.end() - 1)
        # The leading positional strings: dependency('a', 'b', ...) tries
        # each name in turn.
        names = []
        rest = args
        while True:
            part = re.match(r"\s*'([^']*)'\s*(?:,|$)", rest)
            if not part:
                break
            names.append(part.group(1))
            rest = rest[part.end():]
        if not names:
            continue
        optional = re.search(r'\brequired\s*:\s*false\b', args) is not None
        line = text.count('\n', 0, match.start()) + 1
        yield names, not optional, line


def meson_options(root):
    path = os.path.join(root, 'meson_options.txt')
    if not os.path.exists(path):
        path = os.path.join(root, 'meson.options')
    if not os.path.exists(path):
        return set()
    text = strip_comments(open(path, encoding='utf-8').read())
    return set(re.findall(r"option\s*\(\s*'([^']+)'", text))


def project_app_id(root):
    text = open(os.path.join(root, 'meson.build'), encoding='utf-8').read()
    match = re.search(r"^app_id\s*=\s*'([^']+)'", text, re.M)
    return match.group(1) if match else None


def all_modules(modules):
    for module in modules:
        if isinstance(module, dict):
            yield module
            yield from all_modules(module.get('modules', []))


def check(manifest_path, root):
    problems = []
    try:
        manifest = json.load(open(manifest_path, encoding='utf-8'))
    except (OSError, ValueError) as e:
        return ['cannot read the manifest: %s' % e]

    app_id = manifest.get('app-id', manifest.get('id'))
    expected_id = project_app_id(root)
    if app_id != expected_id:
        problems.append('app-id is %r, meson.build says %r' % (app_id, expected_id))
    if os.path.basename(manifest_path) != '%s.json' % app_id:
        problems.append('manifest file should be named %s.json' % app_id)

    if manifest.get('command') != 'gate-scanner':
        problems.append('command is %r, not gate-scanner' % manifest.get('command'))
    if manifest.get('runtime') != 'org.gnome.Platform':
        problems.append('runtime is %r, not org.gnome.Platform' % manifest.get('runtime'))
    if manifest.get('sdk') != 'org.gnome.Sdk':
        problems.append('sdk is %r, not org.gnome.Sdk' % manifest.get('sdk'))
    version = str(manifest.get('runtime-version', ''))
    if not version.isdigit() or int(version) < MIN_RUNTIME_VERSION:
        problems.append('runtime-version %r is older than %d (or not a stable branch)'
                        % (version, MIN_RUNTIME_VERSION))

    finish_args = manifest.get('finish-args', [])
    for arg in REQUIRED_FINISH_ARGS:
        if arg not in finish_args:
            problems.append('finish-args lacks %s' % arg)
    for arg in finish_args:
        for pattern, why in FORBIDDEN_FINISH_ARGS:
            if pattern.search(arg):
                problems.append('finish-args must not have %s: %s' % (arg, why))

    modules = list(all_modules(manifest.get('modules', [])))
    names = [m.get('name') for m in modules]
    for name in set(names):
        if names.count(name) > 1:
            problems.append('module %r appears twice' % name)

    for module in modules:
        for source in module.get('sources', []):
            if not isinstance(source, dict):
                continue
            kind = source.get('type')
            if kind == 'git' and not (source.get('tag') or source.get('commit')):
                problems.append('git source of %s has neither tag nor commit' % module.get('name'))
            if kind in ('archive', 'file') and 'url' in source:
                if not re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')):
                    problems.append('%s source of %s has no valid sha256'
                                    % (kind, module.get('name')))

    main = modules[-1] if modules else {}
    if main.get('name') != 'gate-scanner' or main.get('buildsystem') != 'meson':
        problems.append('the last module must be gate-scanner, built with meson')
    manifest_dir = os.path.dirname(os.path.abspath(manifest_path))
    dir_sources = [s for s in main.get('sources', []) if s.get('type') == 'dir']
    if not any(os.path.realpath(os.path.join(manifest_dir, s.get('path', '')))
               == os.path.realpath(root) for s in dir_sources):
        problems.append('gate-scanner module must build the source tree (dir source "..")')
    options = meson_options(root)
    for opt in main.get('config-opts', []):
        match = re.match(r'^-D([\w.-]+)=', opt)
        if not match:
            continue
        name = match.group(1)
        if name not in options and name not in MESON_BUILTIN_OPTIONS and not name.startswith('b_'):
            problems.append('config-opts sets -D%s, which meson_options.txt does not define' % name)

    provided = set(RUNTIME_PROVIDES) | MESON_BUILTIN_DEPS
    for name in names:
        provided |= MODULE_PROVIDES.get(name, set())
    for path in meson_files(root):
        for dep_names, required, line in declared_dependencies(path):
            if not required or any(n in provided for n in dep_names):
                continue
            problems.append('%s:%d: dependency %s is neither in the GNOME %d runtime '
                            'nor built by a manifest module'
                            % (os.path.relpath(path, root), line,
                               ' / '.join(repr(n) for n in dep_names), MIN_RUNTIME_VERSION))

    # The runtime's gst-plugins-bad has no zbar element, and zbar is the
    # default decoder.
    if not any('-Dzbar=enabled' in m.get('config-opts', []) for m in modules):
        problems.append('no module builds the GStreamer zbar element (-Dzbar=enabled)')

    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('manifest')
    parser.add_argument('source_root')
    parser.add_argument('--expect', action='append', default=[])
    args = parser.parse_args()

    problems = check(args.manifest, args.source_root)
    for problem in problems:
        print(('expected: ' if args.expect else 'problem: ') + problem)

    if args.expect:
        missing = [text for text in args.expect
                   if not any(text in problem for problem in problems)]
        for text in missing:
            print('not detected: %s' % text)
        return 1 if missing or not problems else 0
    if not problems:
        print('%s: ok' % args.manifest)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
