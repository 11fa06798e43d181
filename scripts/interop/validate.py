#!/usr/bin/env python3
"""Checks sluice's projections of a run with the real, independent validators.

Usage: validate.py OUT_DIR [--sluice PATH] [--openlineage-spec DIR]

OUT_DIR is a `sluice run` output directory (it holds manifest.json). For that run:

* Croissant: `sluice emit --as croissant` is written to OUT_DIR/croissant.json, validated with
  `mlcroissant validate --jsonld`, then loaded with mlcroissant: every record set must yield
  exactly the rows of its Parquet shard, with the same record ids in the same order.
* OpenLineage: the START and COMPLETE events of `sluice emit --as openlineage` are validated
  against the pinned OpenLineage JSON schemas (RunEvent, and every standard facet against the
  schema its `_schemaURL` names). Skipped, with a message, when the spec directory is absent.
* in-toto: `sluice emit --as intoto --sign-key KEY` with a fresh ed25519 key; the DSSE envelope is
  verified with securesystemslib, the statement parsed strictly into the in-toto Statement v1 and
  SLSA Provenance v1 protobufs and validated, its subjects compared with the manifest; a tampered
  envelope must fail. The envelope is then saved as OUT_DIR/manifest.dsse.json and `sluice verify`
  must accept it (and, when it has `--pubkey`, reject a corrupted copy with exit 1).

Prints one PASS/FAIL/SKIP line per check and exits 1 when any check fails. No data values are
printed: only paths, counts, record ids and validator messages about structure.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS: list[tuple[str, str, str]] = []


def record(status: str, check: str, detail: str = "") -> None:
    RESULTS.append((status, check, detail))
    print(f"{status:<5} {check}{': ' + detail if detail else ''}", flush=True)


def sluice(binary: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary, *args], capture_output=True, text=True, check=False)


def emit(binary: str, manifest: Path, *args: str) -> str:
    done = sluice(binary, "emit", str(manifest), *args)
    if done.returncode != 0:
        raise RuntimeError(f"sluice emit {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


# --------------------------------------------------------------------------------------------
# Croissant


def check_croissant(binary: str, out_dir: Path, manifest: dict) -> None:
    jsonld = out_dir / "croissant.json"
    jsonld.write_text(
        emit(
            binary,
            out_dir / "manifest.json",
            "--as",
            "croissant",
            "--license",
            "https://spdx.org/licenses/CC-BY-4.0.html",
            "--url",
            "https://example.invalid/datasets/" + manifest["pipeline"]["name"],
            "--creator",
            "sluice interop check",
            "--version",
            "1.0.0",
        )
    )
    venv_bin = Path(sys.executable).parent
    cli = venv_bin / "mlcroissant"
    done = subprocess.run(
        [str(cli), "validate", "--jsonld", str(jsonld)],
        capture_output=True,
        text=True,
        check=False,
    )
    output = (done.stdout + done.stderr).strip()
    # mlcroissant lists each finding as "-  [Node] message" (absl logs it twice); warnings count
    # as failures so a recommended property that goes missing is caught too.
    findings = sorted({line.strip() for line in output.splitlines() if line.strip().startswith("-  [")})
    if done.returncode == 0 and not findings:
        record("PASS", "croissant: mlcroissant validate --jsonld", "no errors, no warnings")
    else:
        record("FAIL", "croissant: mlcroissant validate --jsonld", f"exit {done.returncode}, {len(findings)} findings")
        shown = findings or output.splitlines()[-20:]
        print("\n".join("      " + line for line in shown))
        if done.returncode != 0:
            return

    import mlcroissant as mlc
    import pyarrow.parquet as pq

    doc = json.loads(jsonld.read_text())
    dataset = mlc.Dataset(jsonld=str(jsonld))
    for record_set in doc.get("recordSet", []):
        rs_id = record_set["@id"]
        file_id = record_set["field"][0]["source"]["fileObject"]["@id"]
        expected = pq.read_table(out_dir / file_id, columns=["record_id"]).column("record_id").to_pylist()
        try:
            ids = []
            for rec in dataset.records(record_set=rs_id):
                value = rec[f"{rs_id}/record_id"]
                ids.append(value.decode() if isinstance(value, bytes) else str(value))
                # Touch every field so each one's extraction (nested ones too) really runs.
                if len(rec) != len(record_set["field"]):
                    raise ValueError(f"{len(rec)} fields read, {len(record_set['field'])} declared")
        except Exception as e:  # noqa: BLE001 - any loader failure is the finding
            record("FAIL", f"croissant: load record set {rs_id}", f"{type(e).__name__}: {str(e)[:300]}")
            continue
        if ids == expected:
            record("PASS", f"croissant: load record set {rs_id}", f"{len(ids)} records, ids match {file_id}")
        else:
            first = next((i for i, (a, b) in enumerate(zip(ids, expected)) if a != b), min(len(ids), len(expected)))
            record(
                "FAIL",
                f"croissant: load record set {rs_id}",
                f"{len(ids)} records read, {len(expected)} in {file_id}; first difference at row {first}",
            )


# --------------------------------------------------------------------------------------------
# OpenLineage


def check_openlineage(binary: str, out_dir: Path, spec_dir: Path | None) -> None:
    events = [json.loads(line) for line in emit(binary, out_dir / "manifest.json", "--as", "openlineage").splitlines() if line.strip()]
    if [e.get("eventType") for e in events] != ["START", "COMPLETE"]:
        record("FAIL", "openlineage: events", f"expected START, COMPLETE; got {[e.get('eventType') for e in events]}")
        return
    if spec_dir is None or not (spec_dir / "OpenLineage.json").is_file():
        record("SKIP", "openlineage: schema validation", f"OpenLineage schemas not found at {spec_dir} (they live beside the checkout)")
        return

    import jsonschema
    from referencing import Registry, Resource

    schemas = [json.loads((spec_dir / "OpenLineage.json").read_text())]
    schemas += [json.loads(p.read_text()) for p in sorted((spec_dir / "facets").glob("*.json"))]
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    by_id = {s["$id"]: s for s in schemas}
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER

    def validate(schema: dict, instance: dict) -> list[str]:
        validator = jsonschema.Draft202012Validator(schema, registry=registry, format_checker=checker)
        return [f"{e.message} at /{'/'.join(map(str, e.absolute_path))}" for e in validator.iter_errors(instance)]

    run_event = {"$ref": json.loads((spec_dir / "OpenLineage.json").read_text())["$id"] + "#/$defs/RunEvent"}
    for event in events:
        name = f"openlineage: {event['eventType']} RunEvent"
        errors = validate(run_event, event)
        record("PASS" if not errors else "FAIL", name, "; ".join(errors[:5]))
        facets = 0
        for where, facet in iter_facets(event):
            url = facet.get("_schemaURL", "")
            base = url.split("#")[0]
            if base not in by_id:
                if "openlineage.io" in url:
                    record("FAIL", f"{name} facet {where}", f"_schemaURL {url} is not a pinned schema")
                continue  # a custom facet: only its schema URL and producer are required
            errors = validate({"$ref": url}, facet)
            facets += 1
            if errors:
                record("FAIL", f"{name} facet {where}", "; ".join(errors[:5]))
        record("PASS", f"{name} facets", f"{facets} standard facets checked against their schemas")


def iter_facets(event: dict):
    def each(prefix: str, facets: dict | None):
        for key, facet in (facets or {}).items():
            yield f"{prefix}.{key}", facet

    yield from each("run.facets", event["run"].get("facets"))
    yield from each("job.facets", event["job"].get("facets"))
    for side in ("inputs", "outputs"):
        for i, dataset in enumerate(event.get(side, [])):
            yield from each(f"{side}[{i}].facets", dataset.get("facets"))
            yield from each(f"{side}[{i}].inputFacets", dataset.get("inputFacets"))
            yield from each(f"{side}[{i}].outputFacets", dataset.get("outputFacets"))


# --------------------------------------------------------------------------------------------
# in-toto / DSSE


def check_intoto(binary: str, out_dir: Path, manifest: dict) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from google.protobuf import json_format
    from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
    from in_toto_attestation.v1 import statement_pb2
    from in_toto_attestation.v1.statement import Statement
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    manifest_path = out_dir / "manifest.json"
    # The unsigned statement parses strictly and validates.
    check_statement("in-toto: unsigned statement", json.loads(emit(binary, manifest_path, "--as", "intoto")), manifest)

    with tempfile.TemporaryDirectory(prefix="sluice-interop-") as tmp:
        seed = os.urandom(32)
        key_file = Path(tmp) / "signing.key"
        key_file.write_text(seed.hex())
        done = sluice(binary, "emit", str(manifest_path), "--as", "intoto", "--sign-key", str(key_file))
        if done.returncode != 0:
            record("FAIL", "in-toto: sign", done.stderr.strip())
            return
        envelope = json.loads(done.stdout)
        public = (
            Ed25519PrivateKey.from_private_bytes(seed)
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            .hex()
        )
        if public in done.stderr:
            record("PASS", "in-toto: printed public key", "matches the one cryptography derives from the seed")
        else:
            record("FAIL", "in-toto: printed public key", "stderr does not hold the key cryptography derives")
        keyid = envelope["signatures"][0]["keyid"]
        key = SSlibKey(keyid, "ed25519", "ed25519", {"public": public})
        try:
            Envelope.from_dict(copy.deepcopy(envelope)).verify([key], 1)
            record("PASS", "in-toto: DSSE signature (securesystemslib)", f"keyid {keyid[:16]}…")
        except Exception as e:  # noqa: BLE001
            record("FAIL", "in-toto: DSSE signature (securesystemslib)", f"{type(e).__name__}: {e}")
        tampered = copy.deepcopy(envelope)
        payload = bytearray(base64.b64decode(tampered["payload"]))
        payload[-2] ^= 0x01
        tampered["payload"] = base64.b64encode(bytes(payload)).decode()
        try:
            Envelope.from_dict(tampered).verify([key], 1)
            record("FAIL", "in-toto: tampered payload is rejected", "securesystemslib accepted it")
        except Exception:  # noqa: BLE001
            record("PASS", "in-toto: tampered payload is rejected")
        statement = json.loads(base64.b64decode(envelope["payload"]))
        check_statement("in-toto: signed statement", statement, manifest)

        # sluice verify picks the envelope up beside the manifest.
        (out_dir / "manifest.dsse.json").write_text(json.dumps(envelope, indent=2) + "\n")
        done = sluice(binary, "verify", str(manifest_path))
        record(
            "PASS" if done.returncode == 0 else "FAIL",
            "sluice verify with manifest.dsse.json",
            f"exit {done.returncode}",
        )
        if "--pubkey" in sluice(binary, "verify", "--help").stdout:
            pub_file = Path(tmp) / "reviewer.pub"
            pub_file.write_text(public)
            done = sluice(binary, "verify", str(manifest_path), "--pubkey", str(pub_file))
            record("PASS" if done.returncode == 0 else "FAIL", "sluice verify --pubkey", f"exit {done.returncode}")
            bad = Path(tmp) / "corrupted.dsse.json"
            corrupted = copy.deepcopy(envelope)
            sig = corrupted["signatures"][0]["sig"]
            corrupted["signatures"][0]["sig"] = ("B" if sig[0] == "A" else "A") + sig[1:]
            bad.write_text(json.dumps(corrupted))
            done = sluice(binary, "verify", str(manifest_path), "--signature", str(bad), "--pubkey", str(pub_file))
            record(
                "PASS" if done.returncode == 1 else "FAIL",
                "sluice verify rejects a corrupted signature",
                f"exit {done.returncode}",
            )
        else:
            record("SKIP", "sluice verify --pubkey", "this sluice has no --pubkey flag")


def check_statement(name: str, statement: dict, manifest: dict) -> None:
    from google.protobuf import json_format
    from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
    from in_toto_attestation.v1 import statement_pb2
    from in_toto_attestation.v1.statement import Statement

    try:
        # Strict: unknown fields or wrong types raise.
        pb = json_format.Parse(json.dumps(statement), statement_pb2.Statement())
        Statement.copy_from_pb(pb).validate()
        json_format.Parse(json.dumps(statement["predicate"]), provenance_pb2.Provenance())
    except Exception as e:  # noqa: BLE001
        record("FAIL", name, f"{type(e).__name__}: {str(e)[:300]}")
        return
    subjects = {(s["name"], s["digest"]["sha256"]) for s in statement["subject"]}
    outputs = {(o["path"], o["sha256"]) for o in manifest["outputs"]}
    if subjects != outputs:
        record("FAIL", name, f"{len(subjects ^ outputs)} subjects differ from the manifest's outputs")
        return
    record("PASS", name, f"Statement v1 + SLSA Provenance v1, {len(subjects)} subjects = manifest outputs")


def check_finetune(out_dir: Path, manifest: dict) -> None:
    """The training set as trainers read it: every shard loads with pyarrow, the dataset card's
    `configs` name exactly the shards, and every target JSONL line passes that target's rules,
    re-implemented here independently of the Rust checks."""
    import pyarrow.parquet as pq

    outputs = {o["path"]: o for o in manifest["outputs"]}
    shards = sorted(p for p in outputs if p.startswith("data/") and p.endswith(".parquet"))
    total = 0
    for shard in shards:
        table = pq.read_table(out_dir / shard)
        if table.num_rows != outputs[shard]["rows"] or table.column_names[0] != "record_id":
            record("FAIL", "pyarrow", f"{shard}: {table.num_rows} rows, columns {table.column_names[:3]}")
            return
        total += table.num_rows
    if total != manifest["conservation"]["kept"]:
        record("FAIL", "pyarrow", f"shards hold {total} rows, manifest kept {manifest['conservation']['kept']}")
        return
    record("PASS", "pyarrow", f"{len(shards)} shards, {total} rows")

    card = (out_dir / "README.md").read_text(encoding="utf-8")
    named = sorted(line.strip().lstrip("- ").strip('"') for line in card.splitlines()
                   if line.strip().startswith('- "data/'))
    if named != shards:
        record("FAIL", "dataset card", f"configs name {named}, shards are {shards}")
    else:
        record("PASS", "dataset card", "configs list every shard")

    chat_roles = {"system", "user", "assistant", "tool"}

    def chat_problem(messages: list) -> str | None:
        if not messages:
            return "no messages"
        roles = [m.get("role") for m in messages]
        if any(r not in chat_roles for r in roles):
            return "unknown role"
        if any(not isinstance(m.get("content"), str) or not m["content"].strip() for m in messages):
            return "empty turn"
        if "system" in roles[1:]:
            return "system turn after the first"
        if "assistant" not in roles:
            return "no assistant turn"
        return None

    def sharegpt_problem(turns: list) -> str | None:
        body = [t for t in turns if t.get("from") != "system"]
        if not body or len(body) % 2:
            return "odd number of turns"
        for i, t in enumerate(body):
            if t.get("from") != ("human" if i % 2 == 0 else "gpt"):
                return "turns do not alternate human/gpt"
            if not isinstance(t.get("value"), str) or not t["value"].strip():
                return "empty turn"
        return None

    def alpaca_problem(row: dict) -> str | None:
        if not row.get("instruction") or not row.get("output"):
            return "empty instruction or output"
        return None

    for path, entry in sorted(outputs.items()):
        if not (path.startswith("targets/") and path.endswith(".jsonl")):
            continue
        target = path.split("/")[1]
        problems, rows = [], 0
        with open(out_dir / path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                rows += 1
                row = json.loads(line)
                if "messages" in row:
                    problem = chat_problem(row["messages"])
                    if target in ("openai", "bailian", "ms-swift", "trl") and problem is None \
                            and row["messages"][-1]["role"] != "assistant" and target != "openai":
                        problem = "last turn not from the assistant"
                elif "conversations" in row:
                    problem = sharegpt_problem(row["conversations"])
                elif "instruction" in row:
                    problem = alpaca_problem(row)
                elif "prompt" in row:
                    problem = None if row.get("completion") else "empty completion"
                else:
                    problem = f"unknown line shape {sorted(row)[:3]}"
                if problem:
                    problems.append(f"line {n}: {problem}")
        if rows != entry["rows"]:
            problems.append(f"{rows} lines, manifest says {entry['rows']}")
        if problems:
            record("FAIL", f"target {target}", f"{path}: {len(problems)} problems, e.g. {problems[:3]}")
        else:
            record("PASS", f"target {target}", f"{path}: {rows} lines pass the {target} rules")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--sluice", default=os.environ.get("SLUICE", "target/debug/sluice"))
    parser.add_argument("--openlineage-spec", type=Path, default=None)
    args = parser.parse_args()
    manifest = json.loads((args.out_dir / "manifest.json").read_text())
    print(f"== interop: {args.out_dir} (pipeline {manifest['pipeline']['name']})", flush=True)
    for check in (
        lambda: check_croissant(args.sluice, args.out_dir, manifest),
        lambda: check_openlineage(args.sluice, args.out_dir, args.openlineage_spec),
        lambda: check_intoto(args.sluice, args.out_dir, manifest),
        lambda: check_finetune(args.out_dir, manifest),
    ):
        try:
            check()
        except Exception as e:  # noqa: BLE001 - report and go on with the other validators
            record("FAIL", "interop", f"{type(e).__name__}: {str(e)[:300]}")
    failed = sum(1 for r in RESULTS if r[0] == "FAIL")
    passed = sum(1 for r in RESULTS if r[0] == "PASS")
    skipped = sum(1 for r in RESULTS if r[0] == "SKIP")
    print(f"interop: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
