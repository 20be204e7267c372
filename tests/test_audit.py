"""The audit log: records as specified, secrets never stored, every kind of tampering found, safe appends
from many threads and processes, and the ``chainatlas audit`` commands."""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainatlas import config
from chainatlas.cli import main
from chainatlas.storage import audit


def _log(tmp_path: Path, n: int = 5) -> Path:
    path = tmp_path / "atlas.duckdb.audit.jsonl"
    for i in range(n):
        audit.append(path, "read_entities", actor=f"user{i % 2}", resource="/api/entities", count=i)
    return path


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _rehash(rec: dict) -> dict:
    body = {k: v for k, v in rec.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return {**body, "hash": hashlib.sha256(canonical).hexdigest()}


# ---- records ------------------------------------------------------------------------------------------
def test_records_are_chained_with_sha256_of_their_canonical_json(tmp_path: Path):
    path = _log(tmp_path, 3)
    recs = [json.loads(line) for line in _lines(path)]
    assert [r["seq"] for r in recs] == [1, 2, 3]
    assert recs[0]["prev"] == "0" * 64
    for a, b in itertools.pairwise(recs):
        assert b["prev"] == a["hash"]
    for r in recs:
        assert _rehash(r)["hash"] == r["hash"]  # recomputed here, independently of the module
        assert set(r) == {
            "seq",
            "ts",
            "actor",
            "action",
            "resource",
            "parameters",
            "result",
            "count",
            "prev",
        } | {"hash"}
        ts = datetime.fromisoformat(r["ts"])
        assert ts.utcoffset() == timedelta(0) and abs(datetime.now(UTC) - ts) < timedelta(minutes=1)
    assert recs[2]["count"] == 2 and recs[2]["actor"] == "user0" and recs[2]["result"] == "ok"
    head = json.loads(audit.head_path(path).read_text())
    assert head["seq"] == 3 and head["hash"] == recs[2]["hash"]


def test_secrets_are_masked_and_never_written(tmp_path: Path):
    path = tmp_path / "a.jsonl"
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA"
    secrets = ["hunter2-pw", "tok-3141", "key-2718", "sec-1618", "Bearer abc.def.ghi", "apikey-1414"]
    audit.append(
        path,
        "login_failed",
        actor="alice",
        parameters={
            "name": "alice",
            "password": secrets[0],
            "access_token": secrets[1],
            "apiKey": secrets[2],
            "client-secret": secrets[3],
            "headers": {"Authorization": secrets[4], "Accept": "application/json"},
            "api_key": secrets[5],
            "note": jwt,  # a JWT under an innocent name
            "q": "苏州",
            "author": "张三",  # not a secret: 'auth' must be a word of the name
            "ids": list(range(80)),
            "long": "长" * 1000,
        },
    )
    text = path.read_text(encoding="utf-8")
    for s in [*secrets, jwt, "c2lnbmF0dXJl"]:
        assert s not in text
    p = audit.read(path)[0]["parameters"]
    assert p["password"] == p["access_token"] == p["apiKey"] == p["client-secret"] == p["api_key"] == "***"
    assert p["headers"] == {"Authorization": "***", "Accept": "application/json"}
    assert p["note"] == "***"
    assert p["q"] == "苏州" and p["author"] == "张三" and p["name"] == "alice"
    assert len(p["ids"]) == 51 and p["ids"][-1] == "…[80 items]"
    assert len(p["long"]) < 300 and p["long"].endswith("…[1000 chars]")


def test_sanitise_does_not_change_its_input():
    given = {"password": "x", "nested": {"token": "y"}}
    assert audit.sanitise(given) == {"password": "***", "nested": {"token": "***"}}
    assert given == {"password": "x", "nested": {"token": "y"}}


# ---- tampering --------------------------------------------------------------------------------------------
def test_intact_log_verifies(tmp_path: Path):
    v = audit.verify(_log(tmp_path, 6))
    assert (v.ok, v.records, v.first_bad_seq, v.reason) == (True, 6, None, "")


def test_missing_log_without_anchor_is_empty_and_intact(tmp_path: Path):
    assert audit.verify(tmp_path / "none.jsonl") == audit.Verification(True, 0)


def test_edited_record_is_found(tmp_path: Path):
    path = _log(tmp_path)
    lines = _lines(path)
    lines[2] = lines[2].replace(b'"count":2', b'"count":0')
    path.write_bytes(b"".join(lines))
    v = audit.verify(path)
    assert not v.ok and v.first_bad_seq == 3 and "edited" in v.reason


def test_edited_record_with_recomputed_hash_breaks_the_link(tmp_path: Path):
    path = _log(tmp_path)
    lines = _lines(path)
    rec = json.loads(lines[1])
    rec["actor"] = "somebody_else"
    lines[1] = json.dumps(_rehash(rec)).encode() + b"\n"
    path.write_bytes(b"".join(lines))
    v = audit.verify(path)
    assert not v.ok and v.first_bad_seq == 2 and "rewritten" in v.reason


def test_deleted_record_is_found(tmp_path: Path):
    path = _log(tmp_path)
    lines = _lines(path)
    del lines[1]
    path.write_bytes(b"".join(lines))
    v = audit.verify(path)
    assert not v.ok and v.first_bad_seq == 2 and "missing" in v.reason


def test_reordered_records_are_found(tmp_path: Path):
    path = _log(tmp_path)
    lines = _lines(path)
    lines[1], lines[2] = lines[2], lines[1]
    path.write_bytes(b"".join(lines))
    v = audit.verify(path)
    assert not v.ok and v.first_bad_seq == 2


def test_inserted_record_is_found(tmp_path: Path):
    path = _log(tmp_path)
    lines = _lines(path)
    lines.insert(3, lines[2])  # a copy of record 3 after itself
    path.write_bytes(b"".join(lines))
    v = audit.verify(path)
    assert not v.ok and v.first_bad_seq == 3 and "inserted" in v.reason


def test_cut_tail_is_found_through_the_anchor(tmp_path: Path):
    path = _log(tmp_path, 6)
    path.write_bytes(b"".join(_lines(path)[:4]))  # the chain of 4 records is itself whole
    v = audit.verify(path)
    assert not v.ok and v.first_bad_seq == 5 and "truncated" in v.reason and "5..6" in v.reason


def test_emptied_or_removed_log_is_found(tmp_path: Path):
    path = _log(tmp_path, 2)
    path.write_bytes(b"")
    assert not audit.verify(path).ok
    path.unlink()
    v = audit.verify(path)
    assert not v.ok and "removed" in v.reason


def test_removed_anchor_is_reported(tmp_path: Path):
    path = _log(tmp_path, 3)
    audit.head_path(path).unlink()
    v = audit.verify(path)
    assert not v.ok and "anchor" in v.reason and "missing" in v.reason


def test_consistent_rewrite_passes_locally_but_not_against_a_shipped_anchor(tmp_path: Path):
    """The documented residual risk: the hashes hold no secret, so a rewrite of the log and its anchor
    passes the local check; an anchor kept elsewhere shows it."""
    path = _log(tmp_path, 4)
    shipped = json.loads(audit.head_path(path).read_text())
    recs = [json.loads(line) for line in _lines(path)]
    recs[1]["actor"] = "nobody"
    prev = audit.GENESIS
    out = []
    for r in recs:
        r = _rehash({**r, "prev": prev})
        prev = r["hash"]
        out.append(json.dumps(r, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    path.write_bytes(b"".join(out))
    audit.head_path(path).write_text(json.dumps({"seq": 4, "hash": prev}))
    assert audit.verify(path).ok
    v = audit.verify(path, head=shipped)
    assert not v.ok and v.first_bad_seq == 4 and "rewritten" in v.reason


def test_torn_last_write_is_kept_as_evidence_and_appends_go_on(tmp_path: Path):
    path = _log(tmp_path, 2)
    with path.open("ab") as fh:
        fh.write(b'{"seq":3,"ts":"2026')  # a crash in the middle of a write
    log = audit.AuditLog(path)
    rec = log.append("login", actor="bob")
    log.close()
    assert rec["seq"] == 3  # chained to the last whole record
    v = audit.verify(path)
    assert not v.ok and v.first_bad_seq == 3 and "torn" in v.reason
    assert audit.read(path)[-1]["actor"] == "bob"


def test_records_written_after_the_anchor_are_noted_not_failed(tmp_path: Path):
    path = _log(tmp_path, 3)
    head = audit.head_path(path)
    old = head.read_bytes()
    audit.append(path, "export")
    head.write_bytes(old)  # as if the process died between the log write and the anchor write
    v = audit.verify(path)
    assert v.ok and "1 record(s) after the anchor" in v.note


# ---- concurrency ------------------------------------------------------------------------------------------
def _append_many(path: str, who: str, n: int) -> None:
    log = audit.AuditLog(path)
    for i in range(n):
        log.append("read_entities", actor=who, parameters={"i": i})
    log.close()


def test_threads_and_processes_append_without_losing_or_forking_records(tmp_path: Path):
    path = tmp_path / "a.jsonl"
    shared = audit.AuditLog(path)  # one instance shared by threads, as the API server does
    threads = [
        threading.Thread(target=lambda w=w: [shared.append("t", actor=f"thread{w}") for _ in range(40)])
        for w in range(6)
    ]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(str(path), f"proc{p}", 60)) for p in range(3)]
    for x in (*threads, *procs):
        x.start()
    for x in (*threads, *procs):
        x.join(timeout=120)
    shared.close()
    assert all(p.exitcode == 0 for p in procs)
    recs = audit.read(path, limit=None)
    assert len(recs) == 6 * 40 + 3 * 60
    assert [r["seq"] for r in recs] == list(range(1, len(recs) + 1))
    v = audit.verify(path)
    assert v.ok and v.records == len(recs), v.reason


def test_an_open_log_follows_a_restored_file(tmp_path: Path):
    """A restore moves the log aside; a long-lived writer must append to the new file, not the old one."""
    path = tmp_path / "a.jsonl"
    log = audit.AuditLog(path)
    log.append("login")
    other = tmp_path / "backup.jsonl"
    audit.append(other, "upload")
    audit.append(other, "load")
    kept = audit.install_log(other, path)
    rec = log.append("restore")
    log.close()
    assert kept is not None and [r["action"] for r in audit.read(kept)] == ["login"]
    assert rec["seq"] == 3 and [r["action"] for r in audit.read(path)] == ["upload", "load", "restore"]
    assert audit.verify(path).ok


def test_append_rate(tmp_path: Path):
    """Not a timing assertion: prints the rate (every append fsyncs the log and replaces its anchor)."""
    log = audit.AuditLog(tmp_path / "a.jsonl")
    n, t = 300, time.perf_counter()
    for i in range(n):
        log.append("read_entities", actor="alice", resource="/api/entities", parameters={"page": i}, count=20)
    rate = n / (time.perf_counter() - t)
    log.close()
    print(f"\naudit appends with fsync: {rate:,.0f}/s")
    assert audit.verify(tmp_path / "a.jsonl").records == n


# ---- reading --------------------------------------------------------------------------------------------
def test_read_filters_and_limits(tmp_path: Path):
    path = _log(tmp_path, 7)
    assert [r["seq"] for r in audit.read(path, actor="user1")] == [2, 4, 6]
    assert [r["seq"] for r in audit.read(path, limit=2)] == [6, 7]
    assert audit.read(path, action="login") == []
    assert len(audit.read(path, since="2000-01-01")) == 7
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    assert audit.read(path, since=tomorrow) == []
    with pytest.raises(Exception, match="since"):
        audit.read(path, since="yesterday")


# ---- command line -----------------------------------------------------------------------------------------
def test_cli_verify_exit_status_and_message(tmp_path: Path):
    db = tmp_path / "atlas.duckdb"
    path = _log(tmp_path, 4)
    assert path == config.side_file(db, "audit")
    r = CliRunner().invoke(main, ["--db", str(db), "audit", "verify"])
    assert r.exit_code == 0 and "4 records" in r.output
    lines = _lines(path)
    lines[1] = lines[1].replace(b"user1", b"user9")
    path.write_bytes(b"".join(lines))
    r = CliRunner().invoke(main, ["--db", str(db), "audit", "verify"])
    assert r.exit_code == 2
    assert "record 2" in r.output and "edited" in r.output


def test_cli_show_prints_and_writes_excel_csv(tmp_path: Path):
    db = tmp_path / "atlas.duckdb"
    path = config.side_file(db, "audit")
    audit.append(path, "login", actor="=HYPERLINK(1)", parameters={"password": "pw"})
    audit.append(path, "export", actor="alice", resource="/api/export", count=12)
    r = CliRunner().invoke(main, ["--db", str(db), "audit", "show", "--actor", "alice"])
    assert r.exit_code == 0 and "export" in r.output and "rows=12" in r.output and "login" not in r.output
    out = tmp_path / "audit.csv"
    r = CliRunner().invoke(main, ["--db", str(db), "audit", "show", "-o", str(out)])
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("seq,ts,actor,action,resource,parameters")
    assert (
        "'=HYPERLINK(1)" in text
        and '""password"": ""***""' in text
        and "pw" not in text.replace("password", "")
    )
    r = CliRunner().invoke(main, ["--db", str(db), "audit", "show", "-o", str(tmp_path / "a.txt")])
    assert r.exit_code == 2 and ".csv" in r.output
