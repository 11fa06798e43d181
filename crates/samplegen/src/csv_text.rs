//! Writing CSV records by hand (RFC 4180 quoting), so that defects such as an unquoted comma or
//! an unterminated quote can be produced on purpose.

/// Appends `value` as one CSV field, quoted when it holds a comma, quote, CR or LF, or starts or
/// ends with a space.
pub fn push_field(out: &mut String, value: &str) {
    let needs_quotes =
        value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ');
    if needs_quotes {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// A whole record: fields joined by commas, followed by `terminator`.
pub fn record(fields: &[&str], terminator: &str) -> String {
    let mut out = String::with_capacity(fields.iter().map(|f| f.len() + 1).sum::<usize>() + 2);
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(&mut out, field);
    }
    out.push_str(terminator);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(record(&["a", "b c", ""], "\n"), "a,b c,\n");
        assert_eq!(
            record(&["x,y", "say \"hi\"", "two\nlines"], "\r\n"),
            "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
        assert_eq!(record(&[" padded"], "\n"), "\" padded\"\n");
    }

    #[test]
    fn csv_crate_reads_back_what_we_write() {
        let fields = ["CLM-1", "他说\"车停着\"，被撞了\n第二行", "-12.5", ""];
        let text = record(&fields, "\r\n");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let parsed = reader.records().next().unwrap().unwrap();
        assert_eq!(parsed.iter().collect::<Vec<_>>(), fields);
    }
}
