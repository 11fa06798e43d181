-- DuckDB baseline: the "no governance" version of bench/pipeline.toml. Reads the same JSONL lines
-- (malformed lines become NULLs and are dropped, no reason recorded), exact dedup on the
-- normalised text, five regex replacements, a length filter, zstd Parquet.
-- Run by bench/run.sh with: INPUT_GLOB and OUTPUT substituted.
SET preserve_insertion_order = true;
CREATE TEMP TABLE raw AS
SELECT line
FROM read_csv('${INPUT_GLOB}', columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '',
              escape = '', header = false, ignore_errors = true, auto_detect = false,
              strict_mode = false);
CREATE TEMP TABLE parsed AS
SELECT
  json_extract_string(line, '$.ticket_id') AS ticket_id,
  json_extract_string(line, '$.subject') AS subject,
  json_extract(line, '$.messages')::VARCHAR AS messages,
  json_extract_string(line, '$.resolution') AS resolution
FROM raw
WHERE json_valid(line);
CREATE TEMP TABLE deduped AS
SELECT * FROM (
  SELECT *, row_number() OVER (
    PARTITION BY lower(regexp_replace(trim(subject || ' ' || messages), '\s+', ' ', 'g'))
  ) AS rn
  FROM parsed
  WHERE ticket_id IS NOT NULL AND subject IS NOT NULL AND messages IS NOT NULL
) WHERE rn = 1;
COPY (
  SELECT ticket_id,
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(subject,
      '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '<EMAIL>', 'g'),
      '1[3-9][0-9]{9}', '<PHONE>', 'g'),
      '[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]', '<CN_RESIDENT_ID>', 'g'),
      '\b([0-9]{1,3}\.){3}[0-9]{1,3}\b', '<IP_ADDRESS>', 'g'),
      '\b[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}(?:[0-9]{3})?\b', '<PAYMENT_CARD>', 'g') AS subject,
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(messages,
      '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '<EMAIL>', 'g'),
      '1[3-9][0-9]{9}', '<PHONE>', 'g'),
      '[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]', '<CN_RESIDENT_ID>', 'g'),
      '\b([0-9]{1,3}\.){3}[0-9]{1,3}\b', '<IP_ADDRESS>', 'g'),
      '\b[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}(?:[0-9]{3})?\b', '<PAYMENT_CARD>', 'g') AS messages,
    resolution
  FROM deduped
  WHERE length(subject) >= 3 AND length(messages) BETWEEN 20 AND 20000
) TO '${OUTPUT}' (FORMAT parquet, COMPRESSION zstd);
