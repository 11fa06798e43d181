#!/usr/bin/env python3
"""Polars baseline: the "no governance" version of bench/pipeline.toml.

Reads the same JSONL files as raw lines (malformed lines become nulls and are dropped without a
reason), exact dedup on the normalised text, five regex replacements, a length filter, zstd
Parquet. Usage: baseline_polars.py OUTPUT.parquet INPUT.jsonl...
"""

import sys

import polars as pl

PATTERNS = [
    (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", "<EMAIL>"),
    (r"1[3-9][0-9]{9}", "<PHONE>"),
    (r"[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]", "<CN_RESIDENT_ID>"),
    (r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b", "<IP_ADDRESS>"),
    (r"\b[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}(?:[0-9]{3})?\b", "<PAYMENT_CARD>"),
]


def scrub(column: str) -> pl.Expr:
    expr = pl.col(column)
    for pattern, token in PATTERNS:
        expr = expr.str.replace_all(pattern, token)
    return expr


def main() -> None:
    output, inputs = sys.argv[1], sys.argv[2:]
    frames = [
        pl.scan_csv(
            path,
            has_header=False,
            separator="\x01",
            quote_char=None,
            new_columns=["line"],
            schema={"line": pl.String},
            encoding="utf8-lossy",
            truncate_ragged_lines=True,
        )
        for path in inputs
    ]
    lines = pl.concat(frames)
    parsed = lines.select(
        pl.col("line").str.json_path_match("$.ticket_id").alias("ticket_id"),
        pl.col("line").str.json_path_match("$.subject").alias("subject"),
        pl.col("line").str.json_path_match("$.messages").alias("messages"),
        pl.col("line").str.json_path_match("$.resolution").alias("resolution"),
    ).drop_nulls(["ticket_id", "subject", "messages"])
    key = (
        (pl.col("subject") + " " + pl.col("messages"))
        .str.strip_chars()
        .str.replace_all(r"\s+", " ")
        .str.to_lowercase()
    )
    result = (
        parsed.with_columns(key.alias("_key"))
        .unique(subset=["_key"], keep="first", maintain_order=True)
        .drop("_key")
        .with_columns(scrub("subject"), scrub("messages"))
        .filter(
            (pl.col("subject").str.len_chars() >= 3)
            & pl.col("messages").str.len_chars().is_between(20, 20000)
        )
    )
    result.sink_parquet(output, compression="zstd")


if __name__ == "__main__":
    main()
