//! Invite several people at once: a pasted list (one address per line, optionally
//! `email, name`) or an uploaded CSV of email, name, role and companies. Each row goes through
//! the single invite form's rules and messages (`client_access::invite`) on its own, so a row that
//! fails writes nothing and the others still go out.

use crate::client_access::{self, InviteFields, InviteProblem, Manager};
use crate::db::clients::ClientRow;
use crate::domain::ClientKind;
use crate::error::AppResult;
use crate::state::AppState;

/// Rows one submission may hold.
pub const MAX_ROWS: usize = 500;
pub const TOO_MANY: &str = "At most 500 people at a time: split the list and send the rest separately.";
pub const NOTHING: &str = "Paste at least one email address, or choose a CSV file.";
pub const UNREADABLE_CSV: &str =
    "The CSV file could not be read: save it as CSV (comma-separated, UTF-8) with the columns email, name, role, companies.";

/// One person to invite, as the list or the file gave them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Where it stood: the line of the list, or of the file.
    pub line: usize,
    pub email: String,
    pub name: String,
    /// From the file; `None` takes the form's role.
    pub role: Option<String>,
    /// Company names from the file (separated by `;`); `None` takes the form's companies.
    pub companies: Option<Vec<String>>,
}

/// The pasted list: blank lines are skipped; `email, name` splits at the first comma.
pub fn parse_list(text: &str) -> Vec<Row> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let (email, name) = l.split_once(',').unwrap_or((l, ""));
            Row {
                line: i + 1,
                email: email.trim().into(),
                name: name.trim().into(),
                role: None,
                companies: None,
            }
        })
        .collect()
}

/// The uploaded CSV: columns email, name, role, companies in that order, with or without a
/// header row; companies by name, separated by `;`.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<Row>, &'static str> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|_| UNREADABLE_CSV)?;
        let cell = |n: usize| record.get(n).unwrap_or("").to_string();
        if i == 0 && cell(0).eq_ignore_ascii_case("email") {
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        let role = Some(cell(2)).filter(|r| !r.is_empty());
        let companies = Some(cell(3)).filter(|c| !c.is_empty()).map(|c| {
            c.split(';').map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect::<Vec<_>>()
        });
        rows.push(Row { line: i + 1, email: cell(0), name: cell(1), role, companies });
        if rows.len() > MAX_ROWS {
            break;
        }
    }
    Ok(rows)
}

/// What became of one row.
pub struct Outcome {
    pub row: Row,
    pub sent: bool,
    /// "Sent", or why not in the single form's words.
    pub message: String,
}

/// The form's role and companies, for rows that give none.
pub struct Defaults {
    pub role: String,
    pub companies: Vec<String>,
}

/// Invites every row, each on its own.
pub async fn invite_all(
    state: &AppState,
    manager: Manager<'_>,
    client: &ClientRow,
    rows: Vec<Row>,
    defaults: &Defaults,
) -> AppResult<Vec<Outcome>> {
    // Companies posted beyond the manager's scope refuse the whole submission (403), as they refuse
    // the single form, before any row is written.
    if !defaults.companies.is_empty() {
        let _ = client_access::check_companies(state, manager, client.scope(), &defaults.companies).await?;
    }
    let names = client_access::company_choices(state, manager, client.scope(), &[]).await?;
    let mut outcomes = Vec::with_capacity(rows.len());
    for row in rows {
        let companies = match &row.companies {
            None => Ok(defaults.companies.clone()),
            Some(wanted) => wanted
                .iter()
                .map(|name| {
                    names
                        .iter()
                        .find(|c| c.name.eq_ignore_ascii_case(name))
                        .map(|c| c.id.clone())
                        .ok_or_else(|| format!("Unknown company: {name}"))
                })
                .collect::<Result<Vec<_>, _>>(),
        };
        let companies = match companies {
            Ok(c) => c,
            Err(message) => {
                outcomes.push(Outcome { row, sent: false, message });
                continue;
            }
        };
        let fields = InviteFields {
            email: row.email.clone(),
            name: row.name.clone(),
            role: row.role.as_deref().map(role_code).unwrap_or(&defaults.role).to_string(),
            companies,
            ..InviteFields::default()
        };
        let message = match client_access::invite(state, manager, client, ClientKind::Client, &fields).await?
        {
            Ok(_) => None,
            Err(InviteProblem::Fields(errors)) => Some(errors.messages().join(" ")),
            Err(InviteProblem::AlreadyMember(_)) => Some(client_access::ALREADY_BELONGS.to_string()),
            Err(InviteProblem::AlreadyPending(_)) => Some(client_access::ALREADY_INVITED.to_string()),
        };
        outcomes.push(Outcome {
            row,
            sent: message.is_none(),
            message: message.unwrap_or_else(|| "Sent".into()),
        });
    }
    Ok(outcomes)
}

/// A role as a person writes it in a file ("Client Admin") as the form's code.
fn role_code(raw: &str) -> &str {
    match raw.trim().to_ascii_lowercase().replace(['_', '-'], " ").as_str() {
        "client" => "CLIENT",
        "client admin" => "CLIENT_ADMIN",
        _ => raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_list_takes_an_optional_name() {
        let rows = parse_list("a@x.test\n\n  b@x.test ,  Bea Baker \nc@x.test, Carol, Jr\n");
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].line, rows[0].email.as_str(), rows[0].name.as_str()), (1, "a@x.test", ""));
        assert_eq!(
            (rows[1].line, rows[1].email.as_str(), rows[1].name.as_str()),
            (3, "b@x.test", "Bea Baker")
        );
        assert_eq!(rows[2].name, "Carol, Jr");
    }

    #[test]
    fn a_csv_with_or_without_a_header() {
        let csv = "email,name,role,companies\na@x.test,\"Baker, Bea\",Client Admin,Globex; Warehouse\nb@x.test,,,\n";
        let rows = parse_csv(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "Baker, Bea");
        assert_eq!(rows[0].role.as_deref(), Some("Client Admin"));
        assert_eq!(rows[0].companies, Some(vec!["Globex".to_string(), "Warehouse".to_string()]));
        assert_eq!((rows[1].role.clone(), rows[1].companies.clone()), (None, None));
        assert_eq!(parse_csv(b"a@x.test\n").unwrap()[0].line, 1);
        assert_eq!(role_code("client_admin"), "CLIENT_ADMIN");
        assert!(parse_csv(&[0xff, 0xfe, b'\n']).is_err());
    }
}
