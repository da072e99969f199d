//! Views of portal content shared by the staff app and the portal: the assessment with its
//! scores, jobs and captures as rows, and the Export Summary (page and CSV).

use std::collections::HashMap;

use crate::db::content::{AnswerRow, CaptureRow, PortalJob, StaffJob};
use crate::domain::{category_score, overall_score, Answer, CATEGORIES};
use crate::views::when::{moment, Moment};

pub struct QuestionView {
    pub key: &'static str,
    pub text: &'static str,
    pub answer: Option<Answer>,
    pub answered_by: String,
    pub answered_at: Option<Moment>,
}

impl QuestionView {
    pub fn is(&self, code: &str) -> bool {
        self.answer.map(Answer::code) == Some(code)
    }
}

pub struct CategoryView {
    pub name: &'static str,
    pub score: Option<u32>,
    pub questions: Vec<QuestionView>,
}

impl CategoryView {
    pub fn score_text(&self) -> String {
        self.score.map(|s| s.to_string()).unwrap_or_else(|| "N/A".into())
    }
}

pub struct AssessmentView {
    pub categories: Vec<CategoryView>,
    pub overall: Option<u32>,
}

impl AssessmentView {
    pub fn build(answers: Vec<AnswerRow>) -> Self {
        let by_key: HashMap<String, AnswerRow> =
            answers.into_iter().map(|a| (a.question.clone(), a)).collect();
        let categories: Vec<CategoryView> = CATEGORIES
            .iter()
            .map(|c| CategoryView {
                name: c.name,
                score: category_score(c, |k| by_key.get(k).map(|a| a.answer)),
                questions: c
                    .questions
                    .iter()
                    .map(|q| {
                        let a = by_key.get(q.key);
                        QuestionView {
                            key: q.key,
                            text: q.text,
                            answer: a.map(|a| a.answer),
                            answered_by: a.and_then(|a| a.answered_by.clone()).unwrap_or_default(),
                            answered_at: a.map(|a| moment(a.answered_at)),
                        }
                    })
                    .collect(),
            })
            .collect();
        let overall = overall_score(&categories.iter().map(|c| c.score).collect::<Vec<_>>());
        Self { categories, overall }
    }

    pub fn overall_text(&self) -> String {
        self.overall.map(|s| s.to_string()).unwrap_or_else(|| "N/A".into())
    }

    /// The scores as a bar chart's rows: one per category, then the overall score.
    pub fn chart(&self) -> Chart {
        let rows = self
            .categories
            .iter()
            .map(|c| (c.name.to_string(), c.score))
            .chain([("Overall".into(), self.overall)]);
        let bars = rows
            .enumerate()
            .map(|(i, (name, score))| Bar {
                y: 10 + i as u32 * ROW,
                name,
                width: score.map(|s| s * BAR_WIDTH / 100).unwrap_or(BAR_WIDTH),
                score,
                overall: i == self.categories.len(),
            })
            .collect::<Vec<_>>();
        Chart { height: 20 + bars.len() as u32 * ROW, bars }
    }
}

/// Rows of the chart are this tall; a score of 100 draws a bar this wide (SVG units).
const ROW: u32 = 30;
const BAR_WIDTH: u32 = 300;

/// The assessment as a picture, drawn on the server (`partials/score_chart.html`): it needs no
/// JavaScript and prints.
pub struct Chart {
    pub height: u32,
    pub bars: Vec<Bar>,
}

pub struct Bar {
    pub name: String,
    /// Top of the row.
    pub y: u32,
    /// For N/A, the outline drawn in place of a bar spans the whole scale.
    pub width: u32,
    pub score: Option<u32>,
    pub overall: bool,
}

impl Bar {
    pub fn text_y(&self) -> u32 {
        self.y + 19
    }

    pub fn label(&self) -> String {
        match self.score {
            Some(s) => s.to_string(),
            None => "N/A".into(),
        }
    }

    /// Where the score is written: after the bar (inside the outline for N/A).
    pub fn label_x(&self) -> u32 {
        match self.score {
            Some(_) => 250 + self.width + 8,
            None => 250 + 10,
        }
    }
}

pub struct JobView {
    pub id: String,
    pub company: String,
    pub title: String,
    pub summary: String,
    pub completed: Moment,
}

impl From<PortalJob> for JobView {
    fn from(j: PortalJob) -> Self {
        Self {
            id: j.id.to_string(),
            company: j.company_name,
            title: j.title,
            summary: j.summary,
            completed: moment(j.completed_at),
        }
    }
}

impl From<StaffJob> for Option<JobView> {
    fn from(j: StaffJob) -> Self {
        let completed = j.completed_at?;
        Some(JobView {
            id: j.id.to_string(),
            company: j.company_name,
            title: j.title,
            summary: j.summary,
            completed: moment(completed),
        })
    }
}

pub struct CaptureView {
    pub id: String,
    pub company: String,
    pub job: String,
    pub latitude: String,
    pub longitude: String,
    pub caption: String,
    pub captured: Moment,
    pub has_photo: bool,
    /// The last part of the small picture's address: the thumbnail, or the photo itself where
    /// none could be made.
    pub thumb: &'static str,
    pub map_href: String,
}

impl From<CaptureRow> for CaptureView {
    fn from(c: CaptureRow) -> Self {
        let (lat, lon) = (format!("{:.6}", c.latitude), format!("{:.6}", c.longitude));
        Self {
            id: c.id.to_string(),
            company: c.company_name,
            job: c.job_title.unwrap_or_default(),
            map_href: format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"),
            latitude: lat,
            longitude: lon,
            caption: c.caption,
            captured: moment(c.captured_at),
            has_photo: c.has_photo,
            thumb: if c.has_thumbnail { "thumbnail" } else { "photo" },
        }
    }
}

/// The Export Summary as CSV: scores, then completed work, then captures.
pub fn export_csv(
    organisation: &str,
    assessment: &AssessmentView,
    jobs: &[JobView],
    captures: &[CaptureView],
) -> String {
    let mut out = String::from("section,organisation,company,item,value,date,details\r\n");
    let mut row = |cells: [&str; 7]| {
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    };
    for c in &assessment.categories {
        row(["score", organisation, "", c.name, &c.score_text(), "", ""]);
    }
    row(["score", organisation, "", "Overall", &assessment.overall_text(), "", ""]);
    for j in jobs {
        row([
            "completed job",
            organisation,
            &j.company,
            &j.title,
            "Completed",
            &j.completed.exact,
            &j.summary,
        ]);
    }
    for c in captures {
        let place = format!("{}, {}", c.latitude, c.longitude);
        row(["map capture", organisation, &c.company, &c.caption, &place, &c.captured.exact, &c.job]);
    }
    out
}

/// Quotes a cell, and defuses text a spreadsheet would run as a formula.
fn csv_cell(value: &str) -> String {
    format!("\"{}\"", defused(value).replace('"', "\"\""))
}

/// Text a spreadsheet would run as a formula, made plain text by a leading apostrophe.
pub fn defused(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(super::csv_cell("a \"b\""), "\"a \"\"b\"\"\"");
        assert_eq!(super::csv_cell("=cmd()"), "\"'=cmd()\"");
    }
}
