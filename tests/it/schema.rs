//! Every SQL statement in `src/` checked against the migrated schema: each is prepared (parsed,
//! its tables, columns, functions and parameter types resolved, nothing run) on a fresh database.
//! A migration that drops or renames something a query still uses fails here, whether or not
//! another test happens to run that query.
//!
//! Statements are read from the source as written: a string literal given to `sqlx::query*`,
//! directly or through `format!` with the module's `const` fragments filled in. The few built at
//! run time from pieces (the Client Users list, which writes its filters per listing) are run by
//! the tests of the pages that use them instead; the test names them and keeps their number small.

use std::collections::HashMap;

use sqlx::{Executor, PgPool};

/// A Rust string literal starting at `text` (normal or raw), as its value, and what follows it.
fn string_literal(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    if let Some(raw) = text.strip_prefix('r') {
        let hashes = raw.chars().take_while(|c| *c == '#').count();
        let body = raw[hashes..].strip_prefix('"')?;
        let close = format!("\"{}", "#".repeat(hashes));
        let end = body.find(&close)?;
        return Some((body[..end].to_string(), &body[end + close.len()..]));
    }
    let body = text.strip_prefix('"')?;
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &body[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                '\n' => {
                    // A line continuation: the newline and the next line's indent are dropped.
                    let rest = &body[i + 2..];
                    let skip = rest.len() - rest.trim_start().len();
                    for _ in 0..rest[..skip].chars().count() {
                        chars.next();
                    }
                }
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

/// `const NAME: &str = "...";` fragments of a file.
fn fragments(text: &str) -> HashMap<String, String> {
    let mut found = HashMap::new();
    for (at, _) in text.match_indices("const ") {
        let rest = &text[at + "const ".len()..];
        let Some((name, rest)) = rest.split_once(": &str =") else { continue };
        if name.contains(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            continue;
        }
        if let Some((value, _)) = string_literal(rest) {
            found.insert(name.to_string(), value);
        }
    }
    found
}

/// A `format!` template with `{NAME}` filled from `fragments` and `{{` `}}` unescaped; `None`
/// when it names anything else (a value known only at run time).
fn fill(template: &str, fragments: &HashMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let (c, after) = (rest.as_bytes()[i], &rest[i + 1..]);
        if after.starts_with(c as char) {
            out.push(c as char);
            rest = &after[1..];
        } else if c == b'{' {
            let end = after.find('}')?;
            out.push_str(fragments.get(&after[..end])?);
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    out.push_str(rest);
    Some(out)
}

/// Every statement given to `sqlx::query*` in `src/`: (where, the SQL if it could be read).
fn statements() -> Vec<(String, Option<String>)> {
    let mut found = Vec::new();
    for (module, text) in crate::architecture::modules() {
        let consts = fragments(&text);
        for (at, _) in text.match_indices("sqlx::query") {
            let place = format!("{module}:{}", text[..at].lines().count());
            let args = match text[at..].find('(') {
                Some(open) => text[at + open + 1..].trim_start(),
                None => continue,
            };
            let sql = if let Some(inner) = args.strip_prefix("&format!(") {
                string_literal(inner).and_then(|(template, _)| fill(&template, &consts))
            } else {
                string_literal(args).map(|(sql, _)| sql).or_else(|| {
                    // A statement named by a const: `sqlx::query(NAME)`.
                    let name: String =
                        args.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    consts.get(&name).cloned()
                })
            };
            found.push((place, sql));
        }
    }
    found.sort();
    found
}

#[test]
fn the_statement_reader_reads_literals_and_fills_fragments() {
    let (value, rest) = string_literal("\"SELECT \\\"a\\\" \\\n      FROM t\", x").unwrap();
    assert_eq!(value, "SELECT \"a\" FROM t");
    assert_eq!(rest, ", x");
    assert_eq!(string_literal("r#\"a \"b\"\"#)").unwrap().0, "a \"b\"");
    let consts = fragments("const SELECT: &str = \"SELECT 1\";\nconst N: i64 = 3;");
    assert_eq!(fill("{SELECT} WHERE x = '{{}}'", &consts).as_deref(), Some("SELECT 1 WHERE x = '{}'"));
    assert_eq!(fill("{SELECT} {limit}", &consts), None);
}

#[sqlx::test]
async fn every_statement_fits_the_schema(db: PgPool) {
    let all = statements();
    let mut unfit = Vec::new();
    let mut built_at_run_time = Vec::new();
    for (place, sql) in &all {
        match sql {
            Some(sql) => {
                if let Err(e) = db.describe(sql.as_str()).await {
                    unfit.push(format!(
                        "{place}: {e}\n    {}",
                        sql.split_whitespace().collect::<Vec<_>>().join(" ")
                    ));
                }
            }
            None => built_at_run_time.push(place.as_str()),
        }
    }
    assert!(all.len() > 90, "only {} statements were found: the reader is broken", all.len());
    assert!(unfit.is_empty(), "{} statements no longer fit the schema:\n{}", unfit.len(), unfit.join("\n"));
    // Only the Client Users list builds its statements from pieces (see db::client_users::keys).
    assert!(
        built_at_run_time.iter().all(|p| p.starts_with("db/client_users:")) && built_at_run_time.len() <= 4,
        "statements that could not be read from the source: {built_at_run_time:?}"
    );
}
