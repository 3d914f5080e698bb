//! Synthetic registries for load tests (`s54 generate`): realistic fake
//! organisations, statement versions and assessments, written with
//! multi-row inserts in large transactions. Every name is invented from word
//! lists; nothing comes from real statements.

use super::write::{BeginWrite, derive};
use super::{Backend, Result, Store, StoreError, now};
use crate::domain::*;
use crate::registry::{self, YearEnd};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sqlx::QueryBuilder;

const FIRST: [&str; 30] = [
    "Northgate",
    "Riverside",
    "Oakfield",
    "Brightwater",
    "Ashby",
    "Kingsway",
    "Fairholme",
    "Westbrook",
    "Highmoor",
    "Larkspur",
    "Stonebridge",
    "Redcliffe",
    "Greenhill",
    "Silverdale",
    "Marlow",
    "Thornbury",
    "Eastleigh",
    "Copperfield",
    "Hollybank",
    "Windmere",
    "Blackwater",
    "Elmstead",
    "Foxglove",
    "Harbourside",
    "Ivybridge",
    "Juniper",
    "Kestrel",
    "Lowther",
    "Meadowbank",
    "Nettleton",
];
const SECOND: [&str; 32] = [
    "Logistics",
    "Foods",
    "Textiles",
    "Engineering",
    "Retail",
    "Construction",
    "Pharma",
    "Energy",
    "Packaging",
    "Hospitality",
    "Freight",
    "Apparel",
    "Electronics",
    "Farms",
    "Brewing",
    "Healthcare",
    "Software",
    "Furniture",
    "Plastics",
    "Metals",
    "Cleaning",
    "Security",
    "Recruitment",
    "Catering",
    "Printing",
    "Chemicals",
    "Motors",
    "Homes",
    "Telecoms",
    "Seafood",
    "Timber",
    "Ceramics",
];
const THIRD: [&str; 12] = [
    "",
    "Group",
    "Holdings",
    "Services",
    "Trading",
    "International",
    "UK",
    "Partners",
    "Industries",
    "Supplies",
    "Solutions",
    "Brands",
];
const SECTORS: [&str; 10] = [
    "Retail",
    "Manufacturing",
    "Construction",
    "Food and drink",
    "Logistics",
    "Technology",
    "Healthcare",
    "Hospitality",
    "Financial services",
    "Energy",
];
const SENTENCES: [(Area, &str); 6] = [
    (
        Area::Structure,
        "Our business operates distribution sites and sources from suppliers in several countries.",
    ),
    (
        Area::Policies,
        "Our supplier code of conduct and whistleblowing policy prohibit forced labour.",
    ),
    (
        Area::DueDiligence,
        "We carried out supplier audits and added contract clauses on recruitment fees.",
    ),
    (
        Area::Risk,
        "Our risk assessment identified higher risk in agricultural and textile supply chains.",
    ),
    (
        Area::Effectiveness,
        "We track the number of audits completed and grievances resolved as key indicators.",
    ),
    (
        Area::Training,
        "All procurement staff completed modern slavery training during the year.",
    ),
];

/// What [`Store::generate`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateStats {
    pub organisations: u64,
    pub versions: u64,
}

/// A small deterministic generator (SplitMix64): the same seed gives the same registry.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

struct GenOrg {
    id: i64,
    name: String,
    org_type: OrgType,
    sector: &'static str,
    turnover: Option<i64>,
    budget: Option<i64>,
    company_number: Option<String>,
    fye: YearEnd,
    parent_id: Option<i64>,
    in_scope: bool,
    first_year: Option<i32>,
    latest_text: Option<String>,
}

struct GenVersion {
    id: i64,
    org: i64,
    sha: String,
    url: String,
    first_seen: DateTime<Utc>,
    text: String,
    json: String,
    d: super::write::Derived,
    latest: bool,
    linked: Option<bool>,
}

fn assessment_for(
    rng: &mut Rng,
    org: &GenOrg,
    text: &str,
    sha: &str,
    fy_end: NaiveDate,
    areas: &[Area],
) -> Assessment {
    let statute = |rule: &str, status| Finding {
        rule: rule.into(),
        status,
        force: Force::Statute,
        message: format!("{rule}: synthetic finding"),
        evidence: vec![],
        fix: None,
    };
    let board = rng.chance(80);
    let signed = rng.chance(85);
    let review = rng.chance(10);
    let mut findings = vec![
        statute(
            "MSA-54-6a-board-approval",
            if board {
                FindingStatus::Pass
            } else {
                FindingStatus::Fail
            },
        ),
        statute(
            "MSA-54-6a-director-signature",
            if !signed {
                FindingStatus::Fail
            } else if review {
                FindingStatus::Review
            } else {
                FindingStatus::Pass
            },
        ),
        statute("MSA-54-4-steps-or-none", FindingStatus::Pass),
    ];
    for a in Area::ALL {
        findings.push(Finding {
            rule: a.rule_id().into(),
            status: if areas.contains(&a) {
                FindingStatus::Pass
            } else {
                FindingStatus::Warn
            },
            force: Force::Guidance,
            message: format!("{}: synthetic finding", a.title()),
            evidence: vec![],
            fix: None,
        });
    }
    let mut out = Assessment {
        schema: CHECK_SCHEMA.into(),
        source: SourceInfo {
            kind: SourceKind::Text,
            name: format!("{}.txt", org.id),
            bytes: text.len() as u64,
            sha256: sha.to_string(),
        },
        text_chars: text.chars().count(),
        entity_type: org.org_type.entity_type(),
        financial_year: FinancialYear {
            start: fy_end.checked_sub_days(chrono::Days::new(364)),
            end: Some(fy_end),
            evidence: vec![],
        },
        approval: Approval {
            present: board,
            body: Some(
                if board {
                    "board of directors"
                } else {
                    "executive committee"
                }
                .into(),
            ),
            date: Some(fy_end + TimeDelta::days(60 + rng.below(180) as i64)),
            evidence: vec![],
        },
        signature: Signature {
            present: signed,
            name: signed.then(|| format!("{} Director", FIRST[rng.below(30) as usize])),
            role: signed.then(|| "Director".to_string()),
            date: None,
            evidence: vec![],
        },
        areas: Areas::default(),
        group: Group::default(),
        no_steps_declared: false,
        verdict: Verdict::from_findings(&findings),
        verdict_basis: Default::default(),
        score: (15 * areas.len() as u64 + rng.below(10)).min(100) as u8,
        findings,
        readiness: rng.below(100) as u8,
        profile: "current".into(),
        notes: vec![],
        ocr: None,
    };
    for a in areas {
        out.areas.get_mut(*a).present = true;
    }
    out
}

impl Store {
    /// Fills the registry with `orgs` invented organisations and `versions`
    /// statement versions (spread over registry years 2021 onwards). Rows
    /// are added after the existing ones.
    pub async fn generate(&self, orgs: u64, versions: u64, seed: u64) -> Result<GenerateStats> {
        if orgs == 0 {
            return Ok(GenerateStats {
                organisations: 0,
                versions: 0,
            });
        }
        let mut rng = Rng(seed);
        let (max_org, max_ver): (Option<i64>, Option<i64>) = super::on_backend!(self, pool => {
            sqlx::query_as("SELECT (SELECT MAX(id) FROM organisations), (SELECT MAX(id) FROM statement_versions)")
                .fetch_one(pool)
                .await?
        });
        let org_base = max_org.unwrap_or(0);
        let ver_base = max_ver.unwrap_or(0);
        let ts = now();
        let mut list: Vec<GenOrg> = (0..orgs as i64)
            .map(|i| {
                let n = i as usize;
                let name = format!(
                    "{} {}{}{} Ltd",
                    FIRST[n % FIRST.len()],
                    SECOND[(n / FIRST.len()) % SECOND.len()],
                    if THIRD[(n / (FIRST.len() * SECOND.len())) % THIRD.len()].is_empty() {
                        ""
                    } else {
                        " "
                    },
                    THIRD[(n / (FIRST.len() * SECOND.len())) % THIRD.len()],
                );
                let combos = (FIRST.len() * SECOND.len() * THIRD.len()) as i64;
                let name = if i >= combos {
                    format!("{name} {}", i / combos + 1)
                } else {
                    name
                };
                let public = rng.chance(5);
                let org_type = if public {
                    [OrgType::Nhs, OrgType::LocalAuthority, OrgType::PublicBody]
                        [rng.below(3) as usize]
                } else {
                    [
                        OrgType::Company,
                        OrgType::Company,
                        OrgType::Company,
                        OrgType::Llp,
                        OrgType::Charity,
                    ][rng.below(5) as usize]
                };
                // Log-uniform turnover between £5m and £5bn: most above the threshold.
                let money =
                    (5_000_000f64 * 1000f64.powf(rng.below(10_000) as f64 / 10_000.0)) as i64;
                let (turnover, budget) = if public {
                    (None, Some(money))
                } else {
                    (Some(money), None)
                };
                let fye = [(3, 31), (3, 31), (12, 31), (6, 30), (9, 30)][rng.below(5) as usize];
                Ok(GenOrg {
                    id: org_base + i + 1,
                    name,
                    org_type,
                    sector: SECTORS[rng.below(SECTORS.len() as u64) as usize],
                    turnover,
                    budget,
                    company_number: (!public)
                        .then(|| format!("SY{:06}", (org_base + i + 1) % 1_000_000)),
                    fye: YearEnd::parse(&format!("{:02}-{:02}", fye.0, fye.1))
                        .map_err(|e| StoreError::Invalid(e.to_string()))?,
                    parent_id: None,
                    in_scope: money >= THRESHOLD_GBP,
                    first_year: None,
                    latest_text: None,
                })
            })
            .collect::<Result<_>>()?;
        // Company numbers must stay unique when generating twice: only the
        // first million are given one.
        if org_base + orgs as i64 > 1_000_000 {
            for o in list.iter_mut().filter(|o| o.id > 1_000_000) {
                o.company_number = None;
            }
        }
        // Every 40th organisation heads a group of the next three.
        for i in 0..list.len() {
            if i % 40 != 0 {
                continue;
            }
            let parent = list[i].id;
            for member in list.iter_mut().skip(i + 1).take(3) {
                member.parent_id = Some(parent);
            }
        }
        let n = list.len() as u64;
        let slots = 6 * n;
        let mut out_versions: Vec<GenVersion> = Vec::with_capacity(versions.min(50_000) as usize);
        let mut written_versions = 0u64;
        for k in 0..versions {
            let oi = (k % n) as usize;
            let year = 2021 + ((k / n) % 6) as i32;
            let revision = k / slots;
            let org = &list[oi];
            let fy_end = org.fye.fy_end_for_year(year);
            let due = registry::due_date(fy_end);
            let mut areas = Vec::new();
            for a in Area::ALL {
                if rng.chance(65) {
                    areas.push(a);
                }
            }
            let mut text = format!(
                "{} modern slavery statement for the financial year ending {}.\n\n",
                org.name,
                fy_end.format("%-d %B %Y")
            );
            for (a, s) in SENTENCES {
                if areas.contains(&a) {
                    text.push_str(s);
                    text.push_str("\n\n");
                }
            }
            text.push_str(&format!("Approved by the board. Revision {revision}."));
            let sha = super::write::sha256_hex(text.as_bytes());
            let first_seen = (due - TimeDelta::days(rng.below(120) as i64)
                + TimeDelta::days(revision as i64 * 20))
            .and_hms_opt(12, 0, 0)
            .unwrap_or_default()
            .and_utc();
            let a = assessment_for(&mut rng, org, &text, &sha, fy_end, &areas);
            let linked = match rng.below(20) {
                0 => Some(false),
                1 => None,
                _ => Some(true),
            };
            let d = derive(Some(&a), Some(org.fye), first_seen, linked, None);
            let json = serde_json::to_string(&a).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let latest = k + slots >= versions;
            let org = &mut list[oi];
            org.first_year = Some(
                org.first_year
                    .map_or(d.registry_year, |f| f.min(d.registry_year)),
            );
            if k + n >= versions {
                org.latest_text = Some(text.clone());
            }
            out_versions.push(GenVersion {
                id: ver_base + k as i64 + 1,
                org: org.id,
                url: format!(
                    "https://org{}.example/modern-slavery-statement-{year}-{revision}",
                    org.id
                ),
                sha,
                first_seen,
                text,
                json,
                d,
                latest,
                linked,
            });
            if out_versions.len() >= 50_000 {
                if written_versions == 0 {
                    self.insert_generated_orgs(&list, ts).await?;
                }
                self.insert_generated_versions(&out_versions, ts).await?;
                written_versions += out_versions.len() as u64;
                out_versions.clear();
            }
        }
        if written_versions == 0 {
            self.insert_generated_orgs(&list, ts).await?;
        }
        self.insert_generated_versions(&out_versions, ts).await?;
        written_versions += out_versions.len() as u64;
        self.finish_generated(&list).await?;
        Ok(GenerateStats {
            organisations: n,
            versions: written_versions,
        })
    }

    async fn insert_generated_orgs(&self, list: &[GenOrg], ts: DateTime<Utc>) -> Result<()> {
        macro_rules! run {
            ($pool:ident, $sqlite:expr) => {{
                let mut tx = $pool.begin_write().await?;
                for chunk in list.chunks(1_000) {
                    let mut qb = QueryBuilder::new(
                        "INSERT INTO organisations (id, name, normalised_name, website, org_type, sector, turnover_gbp, \
                         budget_gbp, company_number, financial_year_end, due_mmdd, parent_id, in_scope, scope_reason, \
                         source, created_at, updated_at, looked_at, looked_through) ",
                    );
                    qb.push_values(chunk, |mut b, o| {
                        let (in_scope, reason) = super::write::decide_scope(Some(o.org_type), o.turnover, o.budget, None, None);
                        b.push_bind(o.id)
                            .push_bind(o.name.clone())
                            .push_bind(super::normalise_name(&o.name))
                            .push_bind(format!("https://org{}.example/", o.id))
                            .push_bind(o.org_type.as_str())
                            .push_bind(o.sector)
                            .push_bind(o.turnover)
                            .push_bind(o.budget)
                            .push_bind(o.company_number.clone())
                            .push_bind(o.fye.to_string())
                            .push_bind(o.fye.due_mmdd())
                            .push_bind(None::<i64>)
                            .push_bind(in_scope.or(Some(o.in_scope)))
                            .push_bind(reason)
                            .push_bind("generated")
                            .push_bind(ts)
                            .push_bind(ts)
                            // A generated registry stands for a crawled one.
                            .push_bind(ts)
                            .push_bind(registry::year::last_due_year(Some(o.fye), ts.date_naive()));
                    });
                    qb.build().execute(&mut *tx).await?;
                    if $sqlite {
                        let mut qb = QueryBuilder::new("INSERT INTO organisation_search (rowid, name, statement_text) ");
                        qb.push_values(chunk, |mut b, o| {
                            b.push_bind(o.id).push_bind(o.name.clone()).push_bind(o.latest_text.clone().unwrap_or_default());
                        });
                        qb.build().execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
            }};
        }
        match &self.backend {
            Backend::Sqlite(pool) => run!(pool, true),
            Backend::Postgres(pool) => run!(pool, false),
        }
        Ok(())
    }

    async fn insert_generated_versions(
        &self,
        versions: &[GenVersion],
        ts: DateTime<Utc>,
    ) -> Result<()> {
        macro_rules! run {
            ($pool:ident) => {{
                let mut tx = $pool.begin_write().await?;
                for chunk in versions.chunks(500) {
                    let mut qb = QueryBuilder::new("INSERT INTO documents (sha256, content_type, size, compression, bytes, created_at) ");
                    qb.push_values(chunk, |mut b, v| {
                        b.push_bind(v.sha.clone())
                            .push_bind("text/plain")
                            .push_bind(v.text.len() as i64)
                            .push_bind("none")
                            .push_bind(v.text.as_bytes().to_vec())
                            .push_bind(ts);
                    });
                    qb.push(" ON CONFLICT (sha256) DO NOTHING");
                    qb.build().execute(&mut *tx).await?;
                    let mut qb = QueryBuilder::new(
                        "INSERT INTO statement_versions (id, organisation_id, document_sha256, url, first_seen, last_seen, \
                         text, assessment, fy_start, fy_end, registry_year, year_basis, verdict, score, status, reasons, \
                         approval_present, approval_date, signature_present, signatory, areas_covered, late, latest_in_year, \
                         homepage_link, found_via) ",
                    );
                    qb.push_values(chunk, |mut b, v| {
                        let d = &v.d;
                        b.push_bind(v.id)
                            .push_bind(v.org)
                            .push_bind(v.sha.clone())
                            .push_bind(v.url.clone())
                            .push_bind(v.first_seen)
                            .push_bind(v.first_seen)
                            .push_bind(v.text.clone())
                            .push_bind(v.json.clone())
                            .push_bind(d.fy_start)
                            .push_bind(d.fy_end)
                            .push_bind(d.registry_year)
                            .push_bind(d.year_basis)
                            .push_bind(d.verdict.clone())
                            .push_bind(d.score)
                            .push_bind(d.status.as_str())
                            .push_bind(d.reasons.clone())
                            .push_bind(d.approval_present)
                            .push_bind(d.approval_date)
                            .push_bind(d.signature_present)
                            .push_bind(d.signatory.clone())
                            .push_bind(d.areas_covered.clone())
                            .push_bind(d.late)
                            .push_bind(v.latest)
                            .push_bind(v.linked)
                            .push_bind(match v.linked {
                                Some(false) => "sitemap",
                                _ => "homepage",
                            });
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }};
        }
        match &self.backend {
            Backend::Sqlite(pool) => run!(pool),
            Backend::Postgres(pool) => run!(pool),
        }
        Ok(())
    }

    /// Parents, first years, search text (both backends); PostgreSQL sequences moved past the explicit ids.
    async fn finish_generated(&self, list: &[GenOrg]) -> Result<()> {
        macro_rules! run {
            ($pool:ident, $pg:expr) => {{
                let mut tx = $pool.begin_write().await?;
                for o in list.iter().filter(|o| o.parent_id.is_some() || o.first_year.is_some() || o.latest_text.is_some()) {
                    sqlx::query("UPDATE organisations SET parent_id = $2, first_year = $3 WHERE id = $1")
                        .bind(o.id)
                        .bind(o.parent_id)
                        .bind(o.first_year)
                        .execute(&mut *tx)
                        .await?;
                    // The latest text is known only once every version is
                    // made, after the organisations' rows were written.
                    if let Some(t) = &o.latest_text {
                        let sql = if $pg {
                            "UPDATE organisations SET search_text = $2 WHERE id = $1"
                        } else {
                            "UPDATE organisation_search SET statement_text = $2 WHERE rowid = $1"
                        };
                        sqlx::query(sql)
                            .bind(o.id)
                            .bind(t)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                if $pg {
                    sqlx::query("SELECT setval(pg_get_serial_sequence('organisations', 'id'), (SELECT MAX(id) FROM organisations))")
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("SELECT setval(pg_get_serial_sequence('statement_versions', 'id'), COALESCE((SELECT MAX(id) FROM statement_versions), 1))")
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }};
        }
        match &self.backend {
            Backend::Sqlite(pool) => run!(pool, false),
            Backend::Postgres(pool) => run!(pool, true),
        }
        Ok(())
    }
}
