//! The self-check: `GET /check` (the form), `POST /check` (the report page)
//! and `POST /api/check` (`s54.check/1` JSON).
//!
//! Drafts sent here are confidential: they are checked in memory and dropped;
//! nothing is stored and neither the bytes, the text nor the file name is
//! logged. Inputs: an uploaded file (multipart), pasted text, or a public URL
//! fetched with the crawler's SSRF guard (private addresses always refused),
//! plus an optional entity type, financial year end and members list.

use super::AppState;
use super::errors::{ApiError, WebError};
use super::page::Meta;
use super::security::client_ip;
use super::view::AssessmentView;
use crate::domain::{Assessment, EntityType};
use crate::extract::ExtractError;
use crate::score::{CheckOptions, Member};
use askama::Template;
use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, State};
use axum::http::{Request, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;

/// Most members a list may name (a group statement with more is checked against the first ones).
const MAX_MEMBERS: usize = 5_000;
/// Largest members CSV or pasted text field, in bytes.
const MAX_FIELD_BYTES: usize = 2 * 1024 * 1024;

/// Where the statement to check comes from.
#[derive(Debug)]
enum Source {
    File { name: String, bytes: Vec<u8> },
    Text(String),
    Url(String),
}

/// What the form or API sent, before validation.
#[derive(Debug, Default)]
struct RawInput {
    file: Option<(String, Vec<u8>)>,
    text: String,
    url: String,
    entity: String,
    fy_end: String,
    published: String,
    members_text: String,
    members_file: Option<Vec<u8>>,
    /// Sent as JSON: there is no file field to blame, only `text` or `url`.
    json: bool,
    /// The `url` key was sent (JSON) without `text`.
    json_url_only: bool,
}

/// A field error, shown in the GOV.UK error summary and beside the field.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// Validated input, ready to run.
struct CheckRequest {
    source: Source,
    opts: CheckOptions,
}

/// Values the form shows again after an error (never the uploaded file).
#[derive(Debug, Default, Clone)]
pub struct FormValues {
    pub text: String,
    pub url: String,
    pub entity: String,
    pub fy_end: String,
    pub published: String,
    pub members: String,
}

pub struct EntityOption {
    pub value: &'static str,
    pub label: &'static str,
}

const ENTITY_OPTIONS: [EntityOption; 6] = [
    EntityOption {
        value: "",
        label: "Work it out from the statement",
    },
    EntityOption {
        value: "company",
        label: "Company (or charity, university)",
    },
    EntityOption {
        value: "llp",
        label: "Limited liability partnership",
    },
    EntityOption {
        value: "limited_partnership",
        label: "Limited partnership",
    },
    EntityOption {
        value: "partnership",
        label: "Other partnership",
    },
    EntityOption {
        value: "public_body",
        label: "Public body (proposed rules shown as advice)",
    },
];

#[derive(Template)]
#[template(path = "check_form.html")]
struct FormPage<'a> {
    meta: Meta,
    errors: Vec<FieldError>,
    values: FormValues,
    entity_options: &'a [EntityOption],
    limit_mb: usize,
}

impl FormPage<'_> {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Template)]
#[template(path = "check_report.html")]
struct ReportPage {
    meta: Meta,
    a: AssessmentView,
}

#[derive(Template)]
#[template(path = "report_standalone.html")]
struct StandaloneReport {
    meta: Meta,
    a: AssessmentView,
}

fn render(t: &impl Template) -> Result<Html<String>, WebError> {
    t.render()
        .map(Html)
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

fn form_page(state: &AppState, errors: Vec<FieldError>, values: FormValues) -> FormPage<'static> {
    let title = if errors.is_empty() {
        "Check a modern slavery statement"
    } else {
        "Error: check a modern slavery statement"
    };
    FormPage {
        meta: Meta::new(title, "check"),
        errors,
        values,
        entity_options: &ENTITY_OPTIONS,
        limit_mb: state.config().max_upload_bytes / (1024 * 1024),
    }
}

pub async fn form(State(state): State<AppState>) -> Result<Html<String>, WebError> {
    render(&form_page(&state, vec![], FormValues::default()))
}

/// What went wrong with a check, either a field (shown on the form) or a
/// request-level error.
enum CheckFailure {
    Fields(Vec<FieldError>, FormValues),
    Web(WebError),
}

impl From<WebError> for CheckFailure {
    fn from(e: WebError) -> Self {
        CheckFailure::Web(e)
    }
}

/// The self-check report as a page of its own, stylesheet inside, for
/// `s54 check --format html`: the same report the web self-check shows.
pub fn standalone_report(a: &Assessment) -> Result<String, askama::Error> {
    let view = AssessmentView::new(a);
    StandaloneReport {
        meta: Meta::standalone(format!("Self-check report: {}", view.verdict.label), ""),
        a: view,
    }
    .render()
}

pub async fn submit_form(State(state): State<AppState>, req: Request<Body>) -> Response {
    match run(&state, req).await {
        Ok(a) => {
            let view = AssessmentView::new(&a);
            // The stylesheet is inside the page so that a saved or printed
            // report keeps its layout; the CSP allows it by its hash.
            let page = ReportPage {
                meta: Meta::standalone(
                    format!("Self-check report: {}", view.verdict.label),
                    "check",
                ),
                a: view,
            };
            match render(&page) {
                Ok(html) => (
                    [(
                        axum::http::header::CONTENT_SECURITY_POLICY,
                        super::assets::inline_css_csp(),
                    )],
                    html,
                )
                    .into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(CheckFailure::Fields(errors, values)) => {
            let status = field_status(&errors);
            match render(&form_page(&state, errors, values)) {
                Ok(html) => (status, html).into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(CheckFailure::Web(e @ WebError::PayloadTooLarge { .. })) => {
            // Show the form again with the limit in the error summary.
            let errors = vec![FieldError {
                field: "file",
                message: format!(
                    "The file must be smaller than {} MB",
                    state.config().max_upload_bytes / (1024 * 1024)
                ),
            }];
            match render(&form_page(&state, errors, FormValues::default())) {
                Ok(html) => (e.status(), html).into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(CheckFailure::Web(e)) => e.into_response(),
    }
}

pub async fn submit_api(State(state): State<AppState>, req: Request<Body>) -> Response {
    match run(&state, req).await {
        Ok(a) => Json(a).into_response(),
        Err(CheckFailure::Fields(errors, _)) => {
            let status = field_status(&errors);
            let message = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            let body = serde_json::json!({
                "error": {
                    "status": status.as_u16(),
                    "message": message,
                    "fields": errors.iter().map(|e| serde_json::json!({"field": e.field, "message": e.message})).collect::<Vec<_>>(),
                }
            });
            (status, Json(body)).into_response()
        }
        Err(CheckFailure::Web(e)) => ApiError(e).into_response(),
    }
}

/// The status a list of field errors answers with: the document's own
/// problems (unreadable format, encryption) are 415/422, the rest 400.
fn field_status(errors: &[FieldError]) -> StatusCode {
    if errors.iter().any(|e| e.message.starts_with(FORMAT_PREFIX)) {
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    } else if errors
        .iter()
        .any(|e| e.message.starts_with(UNREADABLE_PREFIX))
    {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::BAD_REQUEST
    }
}

const FORMAT_PREFIX: &str = "The file is not a PDF";
const UNREADABLE_PREFIX: &str = "The document could not be read";

async fn run(state: &AppState, req: Request<Body>) -> Result<Assessment, CheckFailure> {
    state.limiter().check(client_ip(&req))?;
    // Admitted before the body is read: its bytes count against the
    // server's budget until the check is done.
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let _admitted = state.admission().admit(
        declared,
        state.config().max_upload_bytes + MAX_FIELD_BYTES * 2,
    )?;
    let raw = read_input(state, req).await?;
    let values = FormValues {
        text: raw.text.clone(),
        url: raw.url.clone(),
        entity: raw.entity.clone(),
        fy_end: raw.fy_end.clone(),
        published: raw.published.clone(),
        members: raw.members_text.clone(),
    };
    let checked = validate(raw).map_err(|errs| CheckFailure::Fields(errs, values.clone()))?;
    let (name, bytes, field) = match checked.source {
        Source::File { name, bytes } => (name, bytes, "file"),
        Source::Text(t) => ("pasted text".to_string(), t.into_bytes(), "text"),
        Source::Url(u) => {
            let fetched = crate::crawl::fetch_for_check(&u, false)
                .await
                .map_err(|e| {
                    CheckFailure::Fields(
                        vec![FieldError {
                            field: "url",
                            message: format!(
                                "The address could not be fetched ({e}). Only public web addresses can be checked"
                            ),
                        }],
                        values.clone(),
                    )
                })?;
            if !(200..300).contains(&fetched.status) {
                return Err(CheckFailure::Fields(
                    vec![FieldError {
                        field: "url",
                        message: format!(
                            "The address answered with HTTP status {}",
                            fetched.status
                        ),
                    }],
                    values,
                ));
            }
            (fetched.final_url, fetched.bytes, "url")
        }
    };
    let limit = state.config().max_upload_bytes;
    if bytes.len() > limit {
        return Err(WebError::PayloadTooLarge {
            limit_mb: limit / (1024 * 1024),
        }
        .into());
    }
    // One check at a time per core: extraction is CPU-bound. A queued
    // check waits a bounded time.
    let _permit = tokio::time::timeout(
        state.config().check_queue_wait,
        state.check_slots().acquire(),
    )
    .await
    .map_err(|_| WebError::Busy {
        retry_after_s: super::admission::RETRY_AFTER_S,
    })?
    .map_err(|_| WebError::Unavailable("the checker is shutting down".into()))?;
    let rules = state.rules();
    let limits = state.limits().clone();
    let opts = checked.opts;
    let result = tokio::task::spawn_blocking(move || {
        crate::check::check_bytes(&bytes, &name, &opts, &rules, &limits)
    })
    .await
    .map_err(|e| WebError::Internal(format!("check task failed: {e}")))?;
    result.map_err(|e| {
        let message = match e {
            ExtractError::Empty => "The document is empty".to_string(),
            ExtractError::TooLarge { .. } => {
                return CheckFailure::Web(WebError::PayloadTooLarge {
                    limit_mb: limit / (1024 * 1024),
                });
            }
            ExtractError::UnknownFormat => format!(
                "{FORMAT_PREFIX}, Word (.docx), web page, plain text document or image (PNG, JPEG, TIFF)"
            ),
            ExtractError::Encrypted => format!(
                "{UNREADABLE_PREFIX}: the PDF is protected with a password. Save a copy without a password and upload that"
            ),
            other => format!("{UNREADABLE_PREFIX}: {other}"),
        };
        CheckFailure::Fields(vec![FieldError { field, message }], values)
    })
}

/// Reads the request body as multipart, urlencoded form or JSON, within the
/// upload limit. Nothing here is logged.
async fn read_input(state: &AppState, req: Request<Body>) -> Result<RawInput, WebError> {
    let limit = state.config().max_upload_bytes;
    let too_large = || WebError::PayloadTooLarge {
        limit_mb: limit / (1024 * 1024),
    };
    let body_limit = limit + MAX_FIELD_BYTES * 2;
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > body_limit
    {
        return Err(too_large());
    }
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mime = ctype.split(';').next().unwrap_or("").trim().to_string();
    match mime.as_str() {
        "multipart/form-data" => {
            let mut mp = Multipart::from_request(req, &()).await.map_err(|e| {
                WebError::BadRequest(format!("the form could not be read: {}", e.body_text()))
            })?;
            let mut raw = RawInput::default();
            loop {
                let field = match mp.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => return Err(multipart_error(e, limit)),
                };
                let name = field.name().unwrap_or("").to_string();
                let file_name = field.file_name().map(str::to_string);
                let data = field.bytes().await.map_err(|e| multipart_error(e, limit))?;
                match name.as_str() {
                    "file" => {
                        if data.len() > limit {
                            return Err(too_large());
                        }
                        // A form with no file chosen still sends an empty part.
                        if !data.is_empty() || file_name.as_deref().is_some_and(|n| !n.is_empty()) {
                            raw.file = Some((
                                file_name
                                    .filter(|n| !n.is_empty())
                                    .unwrap_or_else(|| "upload".into()),
                                data.to_vec(),
                            ));
                        }
                    }
                    "members_file" => {
                        if data.len() > MAX_FIELD_BYTES {
                            return Err(WebError::BadRequest(
                                "the members list is larger than 2 MB".into(),
                            ));
                        }
                        if !data.is_empty() {
                            raw.members_file = Some(data.to_vec());
                        }
                    }
                    other => {
                        let s = String::from_utf8(data.to_vec()).map_err(|_| {
                            WebError::BadRequest(format!(
                                "the field '{}' is not valid UTF-8 text",
                                clip(other)
                            ))
                        })?;
                        set_text_field(&mut raw, other, s);
                    }
                }
            }
            Ok(raw)
        }
        "application/x-www-form-urlencoded" => {
            let bytes = axum::body::to_bytes(req.into_body(), body_limit)
                .await
                .map_err(|_| too_large())?;
            let mut raw = RawInput::default();
            for (k, v) in url::form_urlencoded::parse(&bytes) {
                set_text_field(&mut raw, &k, v.into_owned());
            }
            Ok(raw)
        }
        "application/json" => {
            let bytes = axum::body::to_bytes(req.into_body(), body_limit)
                .await
                .map_err(|_| too_large())?;
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct JsonInput {
                #[serde(default)]
                text: Option<String>,
                #[serde(default)]
                url: Option<String>,
                #[serde(default)]
                entity: Option<String>,
                #[serde(default)]
                fy_end: Option<String>,
                #[serde(default)]
                published: Option<String>,
                #[serde(default)]
                members: Vec<String>,
            }
            let j: JsonInput = serde_json::from_slice(&bytes).map_err(|e| {
                WebError::BadRequest(format!("the JSON body could not be read: {e}"))
            })?;
            Ok(RawInput {
                json_url_only: j.text.is_none() && j.url.is_some(),
                json: true,
                text: j.text.unwrap_or_default(),
                url: j.url.unwrap_or_default(),
                entity: j.entity.unwrap_or_default(),
                fy_end: j.fy_end.unwrap_or_default(),
                published: j.published.unwrap_or_default(),
                members_text: j.members.join("\n"),
                ..Default::default()
            })
        }
        "" => Err(WebError::UnsupportedMediaType(
            "send the statement as multipart/form-data (file upload), a urlencoded form or JSON"
                .into(),
        )),
        other => Err(WebError::UnsupportedMediaType(format!(
            "the content type '{}' is not accepted: send multipart/form-data, application/x-www-form-urlencoded or application/json",
            clip(other)
        ))),
    }
}

fn clip(s: &str) -> String {
    super::view::shorten(s, 60)
}

fn set_text_field(raw: &mut RawInput, name: &str, value: String) {
    match name {
        "text" => raw.text = value,
        "url" => raw.url = value,
        "entity" => raw.entity = value,
        "fy_end" => raw.fy_end = value,
        "published" => raw.published = value,
        "members" => raw.members_text = value,
        // Unknown fields (a submit button's name, say) are ignored.
        _ => {}
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError, limit: usize) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::PayloadTooLarge {
            limit_mb: limit / (1024 * 1024),
        }
    } else {
        WebError::BadRequest(format!("the upload could not be read: {}", e.body_text()))
    }
}

fn validate(raw: RawInput) -> Result<CheckRequest, Vec<FieldError>> {
    let mut errors = vec![];
    let given = [
        raw.file.is_some(),
        !raw.text.trim().is_empty(),
        !raw.url.trim().is_empty(),
    ];
    let n = given.iter().filter(|g| **g).count();
    if n == 0 && raw.json {
        // A JSON request has no file: name the field it sent (or should have).
        errors.push(if raw.json_url_only {
            FieldError {
                field: "url",
                message: "Give the statement's web address in url, or its text in text".into(),
            }
        } else {
            FieldError {
                field: "text",
                message: "The text is empty: give the statement's text in text, or its web address in url".into(),
            }
        });
    } else if n == 0 {
        errors.push(FieldError {
            field: "file",
            message: "Choose a file, paste the statement text or enter its web address".into(),
        });
    } else if n > 1 {
        errors.push(FieldError {
            field: if given[0] { "text" } else { "url" },
            message: "Give only one of: a file, pasted text or a web address".into(),
        });
    }
    let url = raw.url.trim().to_string();
    if !url.is_empty() {
        match url::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => errors.push(FieldError {
                field: "url",
                message: "Enter a web address starting with https:// or http://".into(),
            }),
        }
    }
    let entity = match raw.entity.trim() {
        "" => None,
        s => match s.parse::<EntityType>() {
            Ok(EntityType::Unknown) => None,
            Ok(t) => Some(t),
            Err(_) => {
                errors.push(FieldError {
                    field: "entity",
                    message: "Choose the kind of organisation from the list".into(),
                });
                None
            }
        },
    };
    let mut date_field = |field: &'static str, value: &str, what: &str| match value.trim() {
        "" => None,
        s => match parse_form_date(s) {
            Some(d) => Some(d),
            None => {
                errors.push(FieldError {
                    field,
                    message: format!(
                        "Enter the {what} as a date, for example 31/03/2025 or 31 March 2025"
                    ),
                });
                None
            }
        },
    };
    let fy_end = date_field("fy_end", &raw.fy_end, "financial year end");
    let published = date_field("published", &raw.published, "publication date");
    let mut members = match parse_members(raw.members_text.as_bytes()) {
        Ok(m) => m,
        Err(msg) => {
            errors.push(FieldError {
                field: "members",
                message: msg,
            });
            vec![]
        }
    };
    if let Some(bytes) = &raw.members_file {
        match parse_members(bytes) {
            Ok(m) => members.extend(m),
            Err(msg) => errors.push(FieldError {
                field: "members_file",
                message: msg,
            }),
        }
    }
    if members.len() > MAX_MEMBERS {
        errors.push(FieldError {
            field: "members",
            message: format!("List at most {MAX_MEMBERS} members"),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let source = if let Some((name, bytes)) = raw.file {
        Source::File { name, bytes }
    } else if !raw.text.trim().is_empty() {
        Source::Text(raw.text)
    } else {
        Source::Url(url)
    };
    Ok(CheckRequest {
        source,
        opts: CheckOptions {
            entity,
            fy_end,
            published,
            members,
            ..Default::default()
        },
    })
}

/// A date as people in the UK write it, whatever their browser's locale:
/// day first (`31/03/2025`, `31-3-2025`), in words (`31 March 2025`), or
/// ISO (`2025-03-31`, what the API and older forms send).
pub fn parse_form_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).map(str::trim).collect();
    if let [d, m, y] = parts.as_slice()
        && y.len() == 4
    {
        return NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    if let [d, m, y] = words.as_slice() {
        let day: u32 = d
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .ok()?;
        let month = crate::score::dates::month_number(m)?;
        return NaiveDate::from_ymd_opt(y.parse().ok()?, month, day);
    }
    None
}

/// Members as CSV (`name[,company_number]`, header optional) or one name per line.
pub fn parse_members(bytes: &[u8]) -> Result<Vec<Member>, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "The members list must be text (a CSV file saved as UTF-8)".to_string())?;
    let text = text.trim_start_matches('\u{feff}');
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = vec![];
    for (i, rec) in rdr.records().enumerate() {
        let rec =
            rec.map_err(|e| format!("The members list could not be read at line {}: {e}", i + 1))?;
        let name = rec.get(0).unwrap_or("").to_string();
        if i == 0 && name.eq_ignore_ascii_case("name") {
            continue;
        }
        if name.is_empty() {
            continue;
        }
        let company_number = rec.get(1).map(str::to_string).filter(|s| !s.is_empty());
        out.push(Member {
            name,
            company_number,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_from_csv_or_lines() {
        let m = parse_members(b"name,company_number\nAcme Ltd,01234567\n\nBeta plc\n").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].company_number.as_deref(), Some("01234567"));
        assert_eq!(m[1].name, "Beta plc");
        assert!(parse_members(&[0xff, 0xfe, 0x00]).is_err());
    }

    #[test]
    fn form_dates_are_read_day_first_whatever_the_locale() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 31);
        for s in [
            "31/03/2025",
            "31/3/2025",
            "31-03-2025",
            "31 March 2025",
            "31st Mar 2025",
            "2025-03-31",
        ] {
            assert_eq!(parse_form_date(s), d, "{s}");
        }
        // 03/04/2025 is the 3rd of April here, never the 4th of March.
        assert_eq!(
            parse_form_date("03/04/2025"),
            NaiveDate::from_ymd_opt(2025, 4, 3)
        );
        for bad in ["31/02/2025", "2025/03/31", "March 2025", "", "31/03/25x"] {
            assert_eq!(parse_form_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_empty_json_check_blames_the_text_field() {
        let errs = validate(RawInput {
            json: true,
            text: "  ".into(),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "text");
        let errs = validate(RawInput {
            json: true,
            json_url_only: true,
            ..Default::default()
        })
        .err()
        .unwrap();
        assert_eq!(errs[0].field, "url");
        let errs = validate(RawInput {
            text: "x".into(),
            published: "2025-13-01".into(),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert_eq!(errs[0].field, "published");
    }

    #[test]
    fn validation_needs_exactly_one_source() {
        let errs = validate(RawInput::default()).err().unwrap();
        assert_eq!(errs[0].field, "file");
        let errs = validate(RawInput {
            text: "x".into(),
            url: "https://example.org".into(),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert!(errs[0].message.contains("only one"));
        let errs = validate(RawInput {
            url: "javascript:alert(1)".into(),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert_eq!(errs[0].field, "url");
        assert!(
            validate(RawInput {
                text: "statement".into(),
                entity: "llp".into(),
                fy_end: "2025-03-31".into(),
                ..Default::default()
            })
            .is_ok()
        );
    }
}
