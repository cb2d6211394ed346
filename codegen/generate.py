"""Regenerate ``src/aiobizstim/models/_generated/`` from ``schema/``.

Two outputs, both deterministic:

* msgspec Structs and enums, written by datamodel-code-generator: the ``$defs`` of each schema file (record
  models, request bodies, enums) in a module named after the file. A schema's root only describes the response
  envelope, which ``aiobizstim._envelope`` decodes generically, so no class is generated for it;
* ``endpoints.py``: the endpoint table (verb, path, shape, limits, lookups, models) read from each schema's
  ``"x-bizstim"`` block, so each path and limit exists in one place only;
* ``src/aiobizstim/_page_limits.py``: the same blocks' ``max_limit`` of each paginated method, outside the
  models package, for code that must not load the models (``bizstim --help`` names the page sizes).

A second wire spelling of a field (a property carrying ``"x-bizstim-alias-of": "<name>"``) becomes a private
field (wire name ``use_records``, attribute ``_use_records``), and its class lists the pair in
``__wire_aliases__ = {"_use_records": "user_records"}`` (rendered by ``codegen/templates/msgspec.jinja2``):
:class:`aiobizstim.models._base.WireModel` folds the private field into the public one after decoding.

A body that needs one of several sets of fields (ADD PAYMENT: ``client_id``, or the new client's fields) says
so in standard JSON Schema: an ``anyOf`` of ``{"required": [...], "description": "..."}`` members on its
``$defs`` model. datamodel-code-generator would turn that into a union of classes, so it reads a copy of
the schemas without those ``anyOf``s, and the class lists the members as ``__required_any_of__`` (attribute
names): ``aiobizstim.models._base.unmet_requirement`` reads it, and a write breaking it fails before it is
sent.

``python codegen/generate.py`` wipes the output folder and writes it (and ``_page_limits.py``) anew;
``--check`` generates into a temporary folder and exits 1 with a diff when the committed output has drifted
from the schemas.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
OUTPUT_DIR = ROOT / "src" / "aiobizstim" / "models" / "_generated"
LIMITS_FILE = ROOT / "src" / "aiobizstim" / "_page_limits.py"
LIMITS_DOC = '''"""Each paginated method's ``max_limit``, as in ``aiobizstim.models.ENDPOINTS``, in a module
that loads no models: the command line names these page sizes in its help, which must start fast."""'''
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
HEADER = (
    "# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit."
)
SHAPES = {"page", "list", "one", "text"}
ALIAS_KEY = "x-bizstim-alias-of"
RULE_KEYS = {"required", "description"}  # what a member of a required-fields anyOf may hold
VERBS = {"GET", "PUT", "POST"}

DATAMODEL_CODEGEN_ARGS = [
    "--input-file-type=jsonschema",
    "--output-model-type=msgspec.Struct",
    "--target-python-version=3.11",
    "--snake-case-field",
    "--use-title-as-name",
    "--use-exact-imports",
    "--use-specialized-enum",
    "--disable-timestamp",
    # Annotations evaluated as the classes are created, not kept as strings: models/__init__ shows the
    # classes under aiobizstim.models (__module__), where a string annotation could not be resolved.
    "--disable-future-imports",
    "--strict-nullable",
    # Each schema's root describes the response envelope, which aiobizstim._envelope decodes generically:
    # only the $defs (record models, enums, request bodies) become classes.
    "--skip-root-model",
    # common.json's wire types map (customTypePath) to aiobizstim.models._kinds; fields name those types
    # directly instead of through a TypeAlias generated per $def.
    "--collapse-root-models",
    "--use-standard-collections",
    "--use-union-operator",
    "--use-schema-description",
    "--capitalise-enum-members",
    "--all-exports-scope=children",
    "--base-class=aiobizstim.models._base.WireModel",
    "--formatters",
    "ruff-check",
    "ruff-format",
]


class SchemaError(Exception):
    """A schema's x-bizstim metadata is missing or malformed."""


def _snake(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"\W+", "_", name).strip("_").lower()


def _object_schemas(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema itself and its $defs: every object schema that may carry properties."""
    return [doc, *(d for d in doc.get("$defs", {}).values() if isinstance(d, dict))]


def _aliases() -> list[tuple[str, str, str, str]]:
    """``(module, class, alias wire name, target wire name)`` for every ``x-bizstim-alias-of`` property."""
    found = []
    for schema_file in sorted(SCHEMA_DIR.glob("*.json")):
        doc: dict[str, Any] = json.loads(schema_file.read_text(encoding="utf-8"))
        for obj in _object_schemas(doc):
            props = obj.get("properties", {})
            for prop, spec in props.items():
                if not isinstance(spec, dict) or ALIAS_KEY not in spec:
                    continue
                target, where = spec[ALIAS_KEY], f"{schema_file.name}: {obj.get('title')}.{prop}"
                if not isinstance(obj.get("title"), str):
                    raise SchemaError(f"{where}: an object with an aliased property needs a title")
                if not isinstance(target, str) or target not in props or ALIAS_KEY in props[target]:
                    raise SchemaError(f"{where}: {ALIAS_KEY} must name a plain sibling, got {target!r}")
                found.append((_module_name(schema_file), obj["title"], prop, target))
    return found


def _properties(
    obj: dict[str, Any], doc: dict[str, Any], where: str, refs: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The properties an object schema declares itself or through its ``allOf`` members, inline or by
    ``$ref`` (``#/$defs/X`` in ``doc``, ``file.json#/$defs/X`` beside it in ``schema/``)."""
    props: dict[str, Any] = {}
    for member in obj.get("allOf", []):
        if isinstance(member, dict) and isinstance(member.get("$ref"), str):
            ref = member["$ref"]
            if ref in refs:
                raise SchemaError(f"{where}: allOf $refs go round in a circle ({' -> '.join((*refs, ref))})")
            target, target_doc = _resolve(ref, doc, where)
            props.update(_properties(target, target_doc, where, (*refs, ref)))
        elif isinstance(member, dict):
            props.update(_properties(member, doc, where, refs))
    props.update(obj.get("properties", {}))
    return props


def _resolve(ref: str, doc: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The object schema ``ref`` points at, and the document it is in."""
    file, _, pointer = ref.partition("#")
    if file:
        path = SCHEMA_DIR / file
        if path.parent != SCHEMA_DIR or not path.is_file():
            raise SchemaError(f"{where}: $ref {ref!r} names no schema file in schema/")
        doc = json.loads(path.read_text(encoding="utf-8"))
    target: Any = doc
    for part in pointer.split("/")[1:] if pointer else []:
        target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, dict) else None
    if not isinstance(target, dict):
        raise SchemaError(f"{where}: $ref {ref!r} points at no object schema")
    return target, doc


def _rule_members(obj: dict[str, Any], doc: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The members of ``obj``'s required-fields ``anyOf``, checked, with attribute names."""
    any_of, title = obj["anyOf"], obj.get("title")
    if not all(isinstance(m, dict) and "required" in m and set(m) <= RULE_KEYS for m in any_of):
        raise SchemaError(f"{where}: each member must be {{'required': [...]}}, with a description at most")
    if len(any_of) < 2:
        raise SchemaError(f"{where}: a single member is a plain 'required'")
    if not isinstance(title, str):
        raise SchemaError(f"{where}: a model with a required-fields anyOf needs a title")
    props, members = _properties(obj, doc, where), []
    for i, member in enumerate(any_of):
        names, description = member["required"], member.get("description", "")
        if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
            raise SchemaError(f"{where}[{i}].required must be a non-empty list of names")
        if len(set(names)) != len(names):
            raise SchemaError(f"{where}[{i}].required names a property twice")
        for name in names:
            if not isinstance(props.get(name), dict) or ALIAS_KEY in props[name]:
                raise SchemaError(f"{where}[{i}]: {name!r} is not a plain property of {title}")
        if not isinstance(description, str):
            raise SchemaError(f"{where}[{i}].description must be a string")
        members.append(
            {"required": [_snake(n) for n in names], **({"description": description} if description else {})}
        )
    return members


def _take_rules(doc: dict[str, Any], schema_name: str) -> dict[str, list[dict[str, Any]]]:
    """Take the required-fields ``anyOf`` (a member holds ``required``) out of each ``$defs`` model of
    ``doc``; return them as ``{class title: members}``. Any other ``anyOf`` stays."""
    rules: dict[str, list[dict[str, Any]]] = {}
    for key, obj in doc.get("$defs", {}).items():
        any_of = obj.get("anyOf") if isinstance(obj, dict) else None
        if isinstance(any_of, list) and any(isinstance(m, dict) and "required" in m for m in any_of):
            rules[obj["title"]] = _rule_members(obj, doc, f"{schema_name}: $defs.{key}.anyOf")
            del obj["anyOf"]
    return rules


def _schemas_for_datamodel_codegen(work_dir: Path) -> tuple[Path, dict[str, list[dict[str, Any]]]]:
    """A copy of ``schema/`` without the required-fields ``anyOf``s, which datamodel-code-generator would
    turn into unions of classes, and those rules by class title."""
    copy_dir, rules = work_dir / "schema", {}
    copy_dir.mkdir()
    for schema_file in sorted(SCHEMA_DIR.glob("*.json")):
        text = schema_file.read_text(encoding="utf-8")
        doc: dict[str, Any] = json.loads(text)
        found = _take_rules(doc, schema_file.name)
        rules.update(found)
        (copy_dir / schema_file.name).write_text(json.dumps(doc) if found else text, encoding="utf-8")
    return copy_dir, rules


def _run_datamodel_codegen(out_dir: Path, work_dir: Path) -> None:
    names: dict[str, str] = {}  # "Class.wire name" -> attribute name: the private alias fields
    template_data: dict[str, dict[str, Any]] = {"#all#": {"base_class_kwargs": {"kw_only": True}}}
    for _, cls, prop, target in _aliases():
        names[f"{cls}.{prop}"] = f"_{_snake(prop)}"
        template_data.setdefault(cls, {}).setdefault("wire_aliases", {})[f"_{_snake(prop)}"] = _snake(target)
    schema_dir, rules = _schemas_for_datamodel_codegen(work_dir)
    for cls, members in rules.items():
        template_data.setdefault(cls, {})["required_any_of"] = members
    aliases_file, template_data_file = work_dir / "aliases.json", work_dir / "template-data.json"
    aliases_file.write_text(json.dumps(names, sort_keys=True), encoding="utf-8")
    template_data_file.write_text(json.dumps(template_data, sort_keys=True), encoding="utf-8")
    cmd = [
        str(Path(sys.executable).with_name("datamodel-codegen")),
        f"--input={schema_dir}",
        f"--output={out_dir}",
        f"--custom-template-dir={TEMPLATE_DIR}",
        f"--extra-template-data={template_data_file}",
        f"--aliases={aliases_file}",
        f"--custom-file-header={HEADER}",
        *DATAMODEL_CODEGEN_ARGS,
    ]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SchemaError(f"datamodel-codegen failed:\n{result.stdout}\n{result.stderr}")


def _module_name(schema_file: Path) -> str:
    return schema_file.stem.replace("-", "_")


def _endpoint_entries() -> tuple[list[str], list[str], dict[str, int]]:
    """Return (import lines, table entries, max_limit of each paginated method) for every schema file with an
    x-bizstim block."""
    imports: dict[str, set[str]] = {}
    entries: list[str] = []
    max_limits: dict[str, int] = {}
    seen: set[str] = set()
    for schema_file in sorted(SCHEMA_DIR.glob("*.json")):
        doc: dict[str, Any] = json.loads(schema_file.read_text(encoding="utf-8"))
        meta = doc.get("x-bizstim")
        if meta is None:
            continue
        where = f"{schema_file.name}: x-bizstim"
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            raise SchemaError(f"{where}.name must be a non-empty string")
        if name in seen:
            raise SchemaError(f"{where}.name {name!r} is used twice")
        seen.add(name)
        verb, path, shape = meta.get("verb"), meta.get("path"), meta.get("shape")
        if verb not in VERBS:
            raise SchemaError(f"{where}.verb must be one of {sorted(VERBS)}, got {verb!r}")
        if not isinstance(path, str) or not path.startswith("/"):
            raise SchemaError(f"{where}.path must be an absolute path template, got {path!r}")
        if shape not in SHAPES:
            raise SchemaError(f"{where}.shape must be one of {sorted(SHAPES)}, got {shape!r}")
        paginated = shape == "page"
        default_limit, max_limit = meta.get("default_limit"), meta.get("max_limit")
        if paginated != (isinstance(default_limit, int) and isinstance(max_limit, int)):
            raise SchemaError(f"{where}: default_limit and max_limit are required exactly for shape 'page'")
        if paginated and not (1 <= default_limit <= max_limit):
            raise SchemaError(f"{where}: need 1 <= default_limit <= max_limit")
        if paginated:
            max_limits[name] = max_limit
        lookup = meta.get("lookup", [])
        if not isinstance(lookup, list) or not all(isinstance(x, str) for x in lookup):
            raise SchemaError(f"{where}.lookup must be a list of strings")
        models = []
        for key in ("response_model", "request_model"):
            ref = meta.get(key)
            if ref is None:
                models.append("None")
                continue
            if not isinstance(ref, str) or "." not in ref:
                raise SchemaError(f"{where}.{key} must read 'module.ClassName', got {ref!r}")
            module, cls = ref.rsplit(".", 1)
            imports.setdefault(module, set()).add(cls)
            models.append(cls)
        if shape in ("page", "list", "one") and models[0] == "None":
            raise SchemaError(f"{where}: shape {shape!r} needs a response_model")
        description = str(meta.get("description", doc.get("description", ""))).split("\n")[0]
        entries.append(
            f"    {name!r}: Endpoint(\n"
            f"        name={name!r},\n"
            f"        verb={verb!r},\n"
            f"        path={path!r},\n"
            f"        shape=Shape.{shape.upper()},\n"
            f"        response_model={models[0]},\n"
            f"        request_model={models[1]},\n"
            f"        default_limit={default_limit!r},\n"
            f"        max_limit={max_limit!r},\n"
            f"        lookup={tuple(lookup)!r},\n"
            f"        description={description!r},\n"
            f"    ),"
        )
    import_lines = [
        f"from .{module} import {', '.join(sorted(names))}" for module, names in sorted(imports.items())
    ]
    return import_lines, entries, max_limits


def _ruff_format(path: Path) -> None:
    subprocess.run(
        [str(Path(sys.executable).with_name("ruff")), "format", "--quiet", str(path)], cwd=ROOT, check=True
    )


def _write_endpoint_table(out_dir: Path, limits_file: Path) -> None:
    import_lines, entries, max_limits = _endpoint_entries()
    text = "\n".join(
        [
            HEADER,
            '"""Every documented Bizstim method: verb, path template, shape, pagination limits, models."""',
            "",
            "from __future__ import annotations",
            "",
            "from typing import Final",
            "",
            "from aiobizstim.models._endpoint import Endpoint, Shape",
            "",
            *import_lines,
            "",
            "ENDPOINTS: Final[dict[str, Endpoint]] = {",
            *entries,
            "}",
            "",
        ]
    )
    (out_dir / "endpoints.py").write_text(text, encoding="utf-8")
    _ruff_format(out_dir / "endpoints.py")
    limits = "\n".join(
        [
            HEADER,
            LIMITS_DOC,
            "",
            "from __future__ import annotations",
            "",
            "from typing import Final",
            "",
            "MAX_LIMITS: Final[dict[str, int]] = {",
            *(f"    {name!r}: {limit!r}," for name, limit in max_limits.items()),
            "}",
            "",
        ]
    )
    limits_file.write_text(limits, encoding="utf-8")
    _ruff_format(limits_file)


def generate(out_dir: Path, limits_file: Path) -> None:
    """Wipe ``out_dir`` and write the models and the endpoint table into it, and the page limits to
    ``limits_file``."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        _run_datamodel_codegen(out_dir, Path(tmp))
    _write_endpoint_table(out_dir, limits_file)


def _snapshot(folder: Path, limits_file: Path) -> dict[str, str]:
    """Every generated file's text by its path in the package (nothing for a file that is not there)."""
    files = [p for p in sorted(folder.rglob("*.py")) if "__pycache__" not in p.parts]
    texts = {f"models/_generated/{p.relative_to(folder)}": p.read_text(encoding="utf-8") for p in files}
    if limits_file.exists():
        texts[limits_file.name] = limits_file.read_text(encoding="utf-8")
    return texts


def check() -> int:
    """Exit status 0 when the committed output equals a fresh generation, else 1 with a diff."""
    with tempfile.TemporaryDirectory(dir=ROOT / "src" / "aiobizstim" / "models") as tmp:
        fresh_dir, fresh_limits = Path(tmp) / "_generated", Path(tmp) / LIMITS_FILE.name
        generate(fresh_dir, fresh_limits)
        fresh, committed = _snapshot(fresh_dir, fresh_limits), _snapshot(OUTPUT_DIR, LIMITS_FILE)
    if fresh == committed:
        print("codegen: src/aiobizstim/models/_generated and _page_limits.py are up to date with schema/")
        return 0
    for name in sorted(set(fresh) | set(committed)):
        a, b = committed.get(name, ""), fresh.get(name, "")
        if a != b:
            sys.stdout.writelines(
                difflib.unified_diff(
                    a.splitlines(keepends=True),
                    b.splitlines(keepends=True),
                    f"committed/{name}",
                    f"fresh/{name}",
                )
            )
    print("\ncodegen: generated models drifted from schema/; run `make codegen` and commit the result")
    return 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the committed output is stale")
    args = parser.parse_args(argv)
    try:
        if args.check:
            return check()
        generate(OUTPUT_DIR, LIMITS_FILE)
    except SchemaError as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return 2
    print(f"codegen: wrote {OUTPUT_DIR.relative_to(ROOT)} and {LIMITS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
