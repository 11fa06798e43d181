#!/usr/bin/env python3
"""I/O floor with pyarrow: read the JSONL files, write zstd Parquet, no processing.

Malformed lines make pyarrow's JSON reader fail, so lines are read as text and parsed with
`json` only as far as needed to build a table; this is the cheapest honest "read + write".
Usage: io_floor_pyarrow.py OUTPUT.parquet INPUT.jsonl...
"""

import sys

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def main() -> None:
    output, inputs = sys.argv[1], sys.argv[2:]
    tables = [
        pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=["line"], encoding="utf8"),
            parse_options=pacsv.ParseOptions(delimiter="\x01", quote_char=False,
                                             invalid_row_handler=lambda row: "skip"),
            convert_options=pacsv.ConvertOptions(column_types={"line": pa.string()},
                                                 check_utf8=False),
        )
        for path in inputs
    ]
    pq.write_table(pa.concat_tables(tables), output, compression="zstd")


if __name__ == "__main__":
    main()
