"""Declarative schema of every YAML input: typed frozen dataclasses, one strict YAML loader, one reader.

A *spec* is a frozen dataclass whose fields are declared with :func:`key`: its type
(text, whole number, number, true/false, a nested spec, a list ``tuple[X, ...]``, a
mapping ``dict[str, X]``, an optional ``X | None``), its default (none = required),
allowed values, an id pattern and a one-line description.  For example::

    @dataclass(frozen=True)
    class Bin:
        label: str = key("the band's label in tables")
        min: int | float = key("lowest value in the band")
        max: int | float = key("highest value in the band")

:func:`read` checks a parsed YAML value against a spec and returns an instance, or
raises a one-line :class:`~tieval.errors.ConfigError` naming the file, the dotted
key (``instrument.items[3].scale``), what was expected and what was found.  A
spec's ``checks`` (small named functions ``check(obj, where)``) run after its
fields are read, for rules between fields of one mapping; rules between files
(an item's scale must exist) are named functions beside each file's loader.

:func:`load_yaml` refuses what YAML would otherwise accept silently: duplicate
keys (the second would win), anchors and aliases (an alias bomb must not
expand), several documents; :func:`doc_table` renders a spec as the key table
of ``data/README.md`` (``python -m tieval schema-docs``).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tieval.errors import ConfigError

__all__ = [
    "ID_PATTERN",
    "ID_WORDS",
    "Meta",
    "Where",
    "key",
    "read",
    "read_file",
    "load_yaml",
    "parse_yaml",
    "doc_table",
    "doc_rows",
]

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ID_WORDS = "an id of letters, digits, '_', '-' or '.'"
_REQUIRED = "a value (this key is required)"


# --------------------------------------------------------------------------- declaring
@dataclass(frozen=True)
class Meta:
    """What :func:`key` records about a field (kept in ``dataclasses.Field.metadata['spec']``)."""

    doc: str
    choices: tuple | Callable[[], tuple] = ()
    pattern: re.Pattern | None = None
    minimum: int | float | None = None
    text: str = ""  # "strip" | "squash": how text values are tidied
    default_from: str = ""  # name of an earlier field whose value is the default
    from_key: bool = False  # the value is the mapping key this spec is stored under
    nonempty: str = ""  # expected-message when an empty list/mapping is given
    key_pattern: re.Pattern | None = None  # ids as mapping keys

    def allowed(self) -> tuple:
        return tuple(self.choices() if callable(self.choices) else self.choices)


def key(doc: str, default: Any = dataclasses.MISSING, **meta: Any) -> Any:
    """Declare a field of a spec: its description, default (omit for a required key) and checks."""
    info = {"spec": Meta(doc, **meta)}
    if isinstance(default, dict):
        return dataclasses.field(default_factory=lambda: dict(default), metadata=info)
    return dataclasses.field(default=default, metadata=info)


def _meta(f: dataclasses.Field) -> Meta:
    return f.metadata.get("spec") or Meta("")


@dataclass(frozen=True)
class Where:
    """A place in a file: the file and the dotted key; :meth:`fail` builds the one-line error."""

    file: Path
    key: str = ""

    def child(self, name: Any) -> Where:
        return Where(self.file, f"{self.key}.{name}" if self.key else str(name))

    def index(self, i: int) -> Where:
        return Where(self.file, f"{self.key}[{i}]")

    def fail(self, expected: str, found: Any = None) -> ConfigError:
        return ConfigError(self.file, expected, column=self.key or "(top level)", found=found)


# --------------------------------------------------------------------------- reading
def read(tp: Any, value: Any, where: Where, meta: Meta | None = None, from_key: Any = None) -> Any:
    """Check ``value`` against the type ``tp`` (a spec class, list, mapping, union or scalar)."""
    meta = meta or Meta("")
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return _read_spec(tp, value, where, from_key)
    if origin is tuple:
        return _read_list(typing.get_args(tp)[0], value, where, meta)
    if origin is dict:
        return _read_mapping(typing.get_args(tp), value, where, meta)
    if origin in (typing.Union, types.UnionType):
        return _read_union(typing.get_args(tp), value, where, meta)
    return _SCALARS[tp](value, where, meta)


def read_file(spec: type, path: Path) -> tuple[Any, Any]:
    """Load a YAML file strictly and read it as ``spec``; returns ``(instance, parsed YAML)``."""
    raw = load_yaml(path)
    return read(spec, raw, Where(Path(path))), raw


def _fields(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls)]


def _keys(cls: type) -> list[str]:
    return [f.name for f, _ in _fields(cls) if not _meta(f).from_key]


def _read_spec(cls: type, value: Any, where: Where, from_key: Any) -> Any:
    names = _keys(cls)
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise where.fail("a mapping with the keys " + ", ".join(names), _shown(value))
    for name in value:
        if name not in names:
            raise where.child(name).fail("one of the keys " + ", ".join(sorted(names)), name)
    values: dict[str, Any] = {}
    for f, tp in _fields(cls):
        values[f.name] = _read_field(f, tp, value, values, where, from_key)
    obj = cls(**values)
    for check in getattr(cls, "checks", ()):
        check(obj, where)
    return obj


def _read_field(f: dataclasses.Field, tp: Any, value: dict, done: dict, where: Where, from_key: Any) -> Any:
    meta = _meta(f)
    at = where.child(f.name)
    if meta.from_key:
        return _read_text(from_key, where, meta)
    given = value.get(f.name)
    if given is not None:
        got = read(tp, given, at, meta)
        if got != "" or not (meta.default_from or _is_required(f)):
            return got
    if meta.default_from:
        return done[meta.default_from]
    if _is_required(f):
        raise at.fail(_REQUIRED)
    if f.default is None and dataclasses.is_dataclass(tp):
        return read(tp, None, at)  # an absent section: its defaults
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def _is_required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _read_list(elem: Any, value: Any, where: Where, meta: Meta) -> tuple:
    if value is None:
        value = []
    if not isinstance(value, list):
        raise where.fail(meta.nonempty or "a list", _shown(value))
    if not value and meta.nonempty:
        raise where.fail(meta.nonempty, value)
    inner = dataclasses.replace(meta, nonempty="")
    return tuple(read(elem, v, where.index(i), inner) for i, v in enumerate(value))


def _read_mapping(args: tuple, value: Any, where: Where, meta: Meta) -> dict:
    key_tp, value_tp = args
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise where.fail(meta.nonempty or "a mapping", _shown(value))
    if not value and meta.nonempty:
        raise where.fail(meta.nonempty, value)
    out = {}
    for k, v in value.items():
        if key_tp is str and (isinstance(k, bool) or not isinstance(k, str)):
            raise where.child(k).fail("a text key (quote it)", k)
        if key_tp is int and (isinstance(k, bool) or not isinstance(k, int)):
            raise where.child(k).fail("a whole number as key", k)
        if meta.key_pattern is not None and not meta.key_pattern.match(k):
            raise where.child(k).fail(ID_WORDS, k)
        inner = Meta(meta.doc, choices=meta.choices, text=meta.text)
        out[k] = read(value_tp, v, where.child(k), inner, from_key=k)
    return out


def _read_union(args: tuple, value: Any, where: Where, meta: Meta) -> Any:
    if value is None and type(None) in args:
        return None
    members = [a for a in args if a is not type(None)]
    shaped = [a for a in members if dataclasses.is_dataclass(a)]
    if isinstance(value, dict) and shaped:
        return read(shaped[0], value, where, meta)
    scalars = [a for a in members if a in _SCALARS]
    error: ConfigError | None = None
    for tp in scalars:
        try:
            return read(tp, value, where, meta)
        except ConfigError as exc:
            error = exc
    if error is None:
        raise where.fail("a mapping", _shown(value))
    raise error


def _shown(value: Any) -> Any:
    """What an error shows as found: a scalar itself, a container by its kind."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return value


def _check_choices(value: Any, where: Where, meta: Meta) -> Any:
    allowed = meta.allowed()
    if allowed and value not in allowed:
        raise where.fail("one of " + ", ".join(str(a) for a in allowed), value)
    return value


def _read_text(value: Any, where: Where, meta: Meta) -> str:
    if isinstance(value, datetime.date):
        value = value.isoformat()
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise where.fail("text", _shown(value))
    if isinstance(value, float) and not math.isfinite(value):
        raise where.fail("text (quote it)", value)
    text = str(value)
    if meta.text == "strip":
        text = text.strip()
    elif meta.text == "squash":
        text = " ".join(text.split())
    if meta.pattern is not None and not meta.pattern.match(text):
        raise where.fail(ID_WORDS, text or None)
    return _check_choices(text, where, meta)


def _read_int(value: Any, where: Where, meta: Meta) -> int:
    least = "" if meta.minimum is None else f" of at least {meta.minimum}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.fail("a whole number" + least, _shown(value))
    if meta.minimum is not None and value < meta.minimum:
        raise where.fail("a whole number" + least, value)
    return _check_choices(value, where, meta)


def _read_float(value: Any, where: Where, meta: Meta) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise where.fail("a number", _shown(value))
    if not math.isfinite(value):
        raise where.fail("a finite number", value)
    if meta.minimum is not None and value < meta.minimum:
        raise where.fail(f"a number of at least {meta.minimum}", value)
    return float(value)


def _read_bool(value: Any, where: Where, meta: Meta) -> bool:
    if not isinstance(value, bool):
        raise where.fail("true or false", _shown(value))
    return value


_SCALARS: dict[Any, Callable[[Any, Where, Meta], Any]] = {
    str: _read_text,
    int: _read_int,
    float: _read_float,
    bool: _read_bool,
}


# --------------------------------------------------------------------------- YAML
class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses anchors, aliases and duplicate keys, tracking the key path."""

    def __init__(self, stream: str, file: Path):
        super().__init__(stream)
        self.file = file
        self.path: list[Any] = []

    def where(self) -> str:
        out = ""
        for part in self.path:
            if part is None:
                continue
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out or "(top level)"

    def refuse(self, mark: Any, expected: str, found: Any) -> ConfigError:
        return ConfigError(self.file, expected, row=mark.line + 1, column=self.where(), found=found)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        part = index.value if isinstance(index, yaml.ScalarNode) else index
        self.path.append(part)
        try:
            if getattr(event, "anchor", None) is not None:
                sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
                expected = "no YAML anchors or aliases (write each value out)"
                raise self.refuse(event.start_mark, expected, sign + event.anchor)
            return super().compose_node(parent, index)
        finally:
            self.path.pop()

    def compose_mapping_node(self, anchor: Any) -> Any:
        node = super().compose_mapping_node(anchor)
        seen: set = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.refuse(key_node.start_mark, "a text key, not a list or mapping", "a " + key_node.id)
            ident = (key_node.tag, key_node.value)
            if ident in seen:
                self.path.append(key_node.value)
                raise self.refuse(
                    key_node.start_mark,
                    "each key once in its mapping (the second would replace the first)",
                    key_node.value,
                )
            seen.add(ident)
        return node


def load_yaml(path: Path) -> Any:
    """Parse a YAML file strictly; any problem is a one-line :class:`ConfigError` (with its line)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "an existing file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"UTF-8 text (undecodable byte at offset {exc.start})") from None
    return parse_yaml(text, Path(path))


def parse_yaml(text: str, path: Path) -> Any:
    """Parse YAML text strictly (see :func:`load_yaml`); ``path`` names it in messages."""
    control = _CONTROL.search(text)
    if control is not None:
        row = text.count("\n", 0, control.start()) + 1
        raise ConfigError(
            path,
            "text without NUL, bidirectional-override or other control characters",
            row=row,
            found=f"\\x{ord(control.group()):02x}" if ord(control.group()) < 0x100 else f"U+{ord(control.group()):04X}",
        )
    loader = None
    try:
        loader = _StrictLoader(text, Path(path))
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(path, f"valid YAML ({problem})", row=row) from None
    finally:
        if loader is not None:
            loader.dispose()


#: Characters no hand-written text file holds (NUL, C0 controls but tab and line ends, DEL, and the
#: bidirectional embedding/override/isolate controls, which only reorder what a reader sees).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


# --------------------------------------------------------------------------- documenting
def _type_words(tp: Any, meta: Meta) -> str:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return "mapping"
    if origin is tuple:
        return "list of " + _plural(typing.get_args(tp)[0], meta)
    if origin is dict:
        k, v = typing.get_args(tp)
        return f"mapping {'id' if meta.key_pattern else _type_words(k, Meta(''))} → {_type_words(v, meta)}"
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        if set(members) == {int, float}:
            return "number"
        return " or ".join(_type_words(a, meta) for a in members)
    if tp is str and meta.pattern is not None:
        return "id"
    return {str: "text", int: "whole number", float: "number", bool: "true/false"}[tp]


def _plural(tp: Any, meta: Meta) -> str:
    words = _type_words(tp, meta)
    return {"mapping": "mappings", "id": "ids", "number": "numbers", "whole number": "whole numbers"}.get(words, words)


def _default_words(f: dataclasses.Field, meta: Meta) -> str:
    if meta.from_key:
        return "(the key above)"
    if meta.default_from:
        return f"its `{meta.default_from}`"
    if _is_required(f):
        return "**required**"
    value = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    if value in ("", None, (), {}) and not isinstance(value, bool):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "`" + json.dumps(list(value)) + "`"
    return f"`{value}`"


def _describe(f: dataclasses.Field, meta: Meta) -> str:
    shown = [a for a in meta.allowed() if a != ""]
    text = meta.doc
    if shown:
        text += ": one of " + ", ".join(f"`{a}`" for a in shown)
    return text.replace("|", "\\|")


def doc_rows(cls: type, prefix: str = "", seen: tuple = ()) -> Iterator[tuple[str, str, str, str]]:
    """(key path, type, default, description) for every key of ``cls``, nested specs flattened."""
    for f, tp in _fields(cls):
        meta = _meta(f)
        if meta.from_key:
            continue
        path = f"{prefix}{f.name}"
        yield f"`{path}`", _type_words(tp, meta), _default_words(f, meta), _describe(f, meta)
        yield from _nested_rows(tp, path, meta, seen + (cls,))


def _nested_rows(tp: Any, path: str, meta: Meta, seen: tuple) -> Iterator[tuple[str, str, str, str]]:
    origin = typing.get_origin(tp)
    inner, suffix = tp, "."
    if origin is tuple:
        inner, suffix = typing.get_args(tp)[0], "[]."
    elif origin is dict:
        inner, suffix = typing.get_args(tp)[1], ".<id>." if meta.key_pattern else ".<key>."
    if typing.get_origin(inner) in (typing.Union, types.UnionType):
        shaped = [a for a in typing.get_args(inner) if dataclasses.is_dataclass(a)]
        inner = shaped[0] if shaped else None
    if inner is None or not dataclasses.is_dataclass(inner):
        return
    if inner in seen:
        yield f"`{path}{suffix.rstrip('.')}`", "", "", "the same keys as the level above"
        return
    yield from doc_rows(inner, path + suffix, seen)


def doc_table(cls: type, prefix: str = "") -> str:
    """A Markdown table of every key of the spec ``cls`` (the generated parts of ``data/README.md``)."""
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in doc_rows(cls, prefix)]
    return "\n".join(lines)
