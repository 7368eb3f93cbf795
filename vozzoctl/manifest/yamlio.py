"""YAML documents with positions, read fast when that is safe and precisely when it is not.

Two readers, one meaning:

* The precise reader walks PyYAML's composed nodes (libyaml when present), keeping the line and
  column of every key and value, refusing duplicate keys, and naming YAML 1.1's traps instead of
  mis-reading them: an unquoted `010` (octal 8), `08`/`09`, `yes`/`no`/`on`/`off`, sexagesimal
  `1:30`, and impossible dates such as `2026-13-45`.
* The fast reader is yaml-rs (a YAML 1.2 parser in Rust, about 20x faster than libyaml through
  PyYAML on 100k recipients). It is used only when a scan of the text finds none of the plain
  scalars on which YAML 1.1 and 1.2 disagree, so both readers give the same values. The scan
  decides per scalar: `Scale Test 00042` or `R&D` inside a name keeps the file on the fast path,
  an `010` where a value starts does not. Positions for a fast-read file are computed by the
  precise reader only when a message must be located.

Anchors and aliases are read by both, and both bound how far aliases may expand: an alias bomb
is refused at once, located at its first alias.

Where: `yamldoc` (documents with positions, what both readers make), `yamlfast` (yaml-rs and
the scan that decides whether it may be used), `yamlprecise` (PyYAML's nodes walked). A test
(tests/manifest/test_yamlio.py) generates documents and checks both readers agree.
"""

from __future__ import annotations

from vozzoctl.manifest.yamldoc import Document, FieldPath, YamlFile, dotted
from vozzoctl.manifest.yamlfast import needs_precise, read_fast

__all__ = ["Document", "FieldPath", "YamlFile", "dotted", "read_precise", "read_yaml"]


def read_yaml(display: str, text: str) -> YamlFile:
    """Read every document of a file, fast when that cannot change the meaning."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if needs_precise(text):
        return read_precise(display, text)
    fast = read_fast(display, text)
    return fast if fast is not None else read_precise(display, text)


def read_precise(display: str, text: str) -> YamlFile:
    """The precise reader (`yamlprecise`): PyYAML is imported the first time a file needs it,
    not by every run whose files all take the fast path."""
    from vozzoctl.manifest import yamlprecise

    return yamlprecise.read_precise(display, text)
