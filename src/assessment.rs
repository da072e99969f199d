//! Answering the assessment questionnaire, from the portal or the staff app.

use std::collections::HashMap;

use serde_json::json;

use crate::db;
use crate::db::scope::ClientScope;
use crate::domain::{question, Answer, UserId};
use crate::error::AppResult;
use crate::state::AppState;

/// Saves the answers posted as `answer.<question key>` fields. Unknown questions or answers are
/// refused with a message and nothing is written. Returns how many answers changed.
pub async fn save(
    state: &AppState,
    client: ClientScope,
    by: UserId,
    form: &HashMap<String, String>,
) -> AppResult<Result<u64, &'static str>> {
    let mut answers = Vec::new();
    for (field, value) in form {
        let Some(key) = field.strip_prefix("answer.") else {
            continue;
        };
        let Some(q) = question(key) else {
            return Ok(Err("That question is not part of the assessment."));
        };
        if value.is_empty() {
            continue;
        }
        let Ok(answer) = Answer::parse(value) else {
            return Ok(Err("Answer each question with Yes, Partly or No."));
        };
        answers.push((q.key, answer));
    }
    let mut tx = state.db.begin().await?;
    let changed = db::content::save_answers(&mut *tx, client, &answers, by).await?;
    let provider = client.provider();
    if changed > 0 {
        let keys: Vec<&str> = answers.iter().map(|a| a.0).collect();
        db::audit::record(
            &mut *tx,
            Some(provider),
            Some(by),
            "assessment.answered",
            &client.client().to_string(),
            json!({ "client": client.client(), "questions": keys, "changed": changed }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Ok(changed))
}
