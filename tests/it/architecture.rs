//! The shape of the code, checked like behaviour: no module imports one that (through others)
//! imports it back, the staff app and the portal share pages through `views/` rather than
//! through each other, and SQL lives in `db/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every source file as its module path ("routes/staff/users"; `mod.rs` is its folder's module)
/// and its text. (Also what `schema` reads the statements from.)
pub fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root).unwrap().with_extension("");
                let mut name = relative.to_string_lossy().replace('\\', "/");
                if let Some(folder) = name.strip_suffix("/mod") {
                    name = folder.to_string();
                }
                if name == "lib" || name == "main" {
                    name = String::new();
                }
                out.insert(name, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The paths a file names with `crate::` or `super::`, as segment lists (a `{a, b::c}` group
/// gives one path per item).
fn referenced_paths(module: &str, text: &str) -> Vec<Vec<String>> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut found = Vec::new();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent_of(module))] {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(is_ident) {
                continue;
            }
            let mut segments = base.clone();
            let mut tail = rest;
            loop {
                let len = tail.find(|c: char| !is_ident(c)).unwrap_or(tail.len());
                if len == 0 {
                    break;
                }
                segments.push(tail[..len].to_string());
                tail = &tail[len..];
                if let Some(next) = tail.strip_prefix("::") {
                    tail = next;
                } else {
                    break;
                }
            }
            if let Some(group) = tail.strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                for item in group.split(',') {
                    let item = item.split_whitespace().next().unwrap_or_default();
                    let mut path = segments.clone();
                    path.extend(item.split("::").filter(|s| !s.is_empty()).map(str::to_string));
                    found.push(path);
                }
            } else {
                found.push(segments);
            }
        }
    }
    found
}

fn parent_of(module: &str) -> Vec<String> {
    let mut parts: Vec<String> = module.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
    parts.pop();
    parts
}

/// Which module each file depends on: the deepest module each referenced path names.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let mut graph = BTreeMap::new();
    for (module, text) in &modules {
        let mut targets = BTreeSet::new();
        for path in referenced_paths(module, text) {
            let deepest =
                (1..=path.len()).rev().map(|n| path[..n].join("/")).find(|m| modules.contains_key(m));
            if let Some(target) = deepest.filter(|t| t != module) {
                targets.insert(target);
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

/// A chain of imports that comes back to where it started, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|start| visit(start, graph, &mut done, &mut Vec::new()))
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = dependencies();
    assert!(graph.len() > 40, "the source tree was not found: {} modules", graph.len());
    assert!(graph["routes/staff/users"].contains("routes/client_users"), "the parser misses imports");
    assert_eq!(find_cycle(&graph), None);
}

#[test]
fn the_staff_app_and_the_portal_do_not_import_each_other() {
    for (module, targets) in dependencies() {
        for (from, to) in [("routes/staff", "routes/portal"), ("routes/portal", "routes/staff")] {
            if module.starts_with(from) {
                let crossing: Vec<_> = targets.iter().filter(|t| t.starts_with(to)).collect();
                assert!(crossing.is_empty(), "{module} imports {crossing:?}: share it through views/");
            }
        }
    }
}

#[test]
fn sql_is_written_only_in_db() {
    let outside: Vec<String> = modules()
        .into_iter()
        .filter(|(module, text)| {
            let sql =
                ["sqlx::query", "query_as", "query_scalar", "fetch_one(", "fetch_optional(", "fetch_all("];
            !module.starts_with("db") && sql.iter().any(|word| text.contains(word))
        })
        .map(|(module, _)| module)
        .collect();
    assert!(modules()["db/clients"].contains("sqlx::query"), "the check looks for the wrong words");
    assert!(outside.is_empty(), "SQL outside db/: {outside:?}");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into_iter()
    .collect();
    assert_eq!(find_cycle(&graph).map(|c| c.len()), Some(4));
}
