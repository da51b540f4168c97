#!/usr/bin/env python3
"""check-a11y.py — every control in data/ui/ has a name a screen reader can say.

A button, toggle or menu button that shows only an icon must carry an
accessible label (<accessibility><property name="label">). Text entries and
spin buttons inside rows get their name from the row; bare ones need a label
too. Usage: check-a11y.py DATA_UI_DIR
"""
import pathlib
import sys
import xml.etree.ElementTree as ET

ICON_CONTROLS = {"GtkButton", "GtkToggleButton", "GtkMenuButton"}


def has_property(obj, name):
    return any(p.get("name") == name for p in obj.findall("property"))


def has_accessible_label(obj):
    return any(p.get("name") in ("label", "labelled-by")
               for a in obj.findall("accessibility") for p in a.findall("property")) or \
        any(r.get("name") == "labelled-by" for a in obj.findall("accessibility") for r in a.findall("relation"))


def has_label_child(obj):
    """A visible text inside the control (a child or its "child" property)."""
    for sub in obj.iter("object"):
        if sub is not obj and sub.get("class") in ("GtkLabel", "AdwButtonContent"):
            return True
    return False


def main():
    failures = []
    for ui in sorted(pathlib.Path(sys.argv[1]).rglob("*.ui")):
        root = ET.parse(ui).getroot()
        for obj in root.iter("object"):
            cls = obj.get("class")
            if cls not in ICON_CONTROLS:
                continue
            if has_property(obj, "label") or has_label_child(obj):
                continue
            if not has_accessible_label(obj):
                failures.append(f"{ui.name}: {cls} id={obj.get('id')!r} shows no text and has no accessible label")
    for failure in failures:
        print("FAIL:", failure)
    if failures:
        return 1
    print("every icon-only control in", sys.argv[1], "has an accessible label")
    return 0


if __name__ == "__main__":
    sys.exit(main())
