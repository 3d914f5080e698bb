//! The bundled demo: a dozen small fictional organisations' websites, served
//! on loopback (one port each, so each is its own host to the crawler), and
//! the organisations CSV that points at them.
//!
//! The statements are written for the demo (see `sites/README.md`) and
//! embedded in the binary, so `s54 demo` needs no network and no files.

pub mod accounts;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// One organisation of the demo and its website.
#[derive(Debug, Clone)]
pub struct SiteSpec {
    pub slug: &'static str,
    pub name: &'static str,
    pub org_type: &'static str,
    pub sector: &'static str,
    pub turnover_gbp: Option<i64>,
    pub budget_gbp: Option<i64>,
    pub company_number: &'static str,
    /// `MM-DD`.
    pub financial_year_end: &'static str,
    /// Slug of the parent whose group statement covers this one.
    pub parent: Option<&'static str>,
    pub tagline: &'static str,
}

/// The organisations of the demo.
pub const SITES: &[SiteSpec] = &[
    SiteSpec {
        slug: "harbourline",
        name: "Harbourline Foods plc",
        org_type: "company",
        sector: "Food and drink",
        turnover_gbp: Some(418_000_000),
        budget_gbp: None,
        company_number: "04817263",
        financial_year_end: "03-31",
        parent: None,
        tagline: "Chilled and frozen seafood, ready meals and sauces, made in Britain.",
    },
    SiteSpec {
        slug: "tollbridge",
        name: "Tollbridge Logistics Ltd",
        org_type: "company",
        sector: "Transport and logistics",
        turnover_gbp: Some(95_000_000),
        budget_gbp: None,
        company_number: "07712094",
        financial_year_end: "03-31",
        parent: None,
        tagline: "Warehousing, haulage and last-mile delivery across the North.",
    },
    SiteSpec {
        slug: "marrow-finch",
        name: "Marrow & Finch LLP",
        org_type: "llp",
        sector: "Professional services",
        turnover_gbp: Some(61_000_000),
        budget_gbp: None,
        company_number: "OC391827",
        financial_year_end: "03-31",
        parent: None,
        tagline: "Commercial lawyers in Leeds, Manchester and London.",
    },
    SiteSpec {
        slug: "copperleaf",
        name: "Copperleaf Textiles Ltd",
        org_type: "company",
        sector: "Textiles and apparel",
        turnover_gbp: Some(152_000_000),
        budget_gbp: None,
        company_number: "05530418",
        financial_year_end: "01-31",
        parent: None,
        tagline: "Bedding, towels and curtains for every home.",
    },
    SiteSpec {
        slug: "northgate",
        name: "Northgate Components Ltd",
        org_type: "company",
        sector: "Manufacturing",
        turnover_gbp: Some(231_000_000),
        budget_gbp: None,
        company_number: "02291746",
        financial_year_end: "06-30",
        parent: None,
        tagline: "Cast and machined aluminium parts.",
    },
    SiteSpec {
        slug: "bramblewood",
        name: "Bramblewood Leisure Ltd",
        org_type: "company",
        sector: "Hospitality",
        turnover_gbp: Some(48_500_000),
        budget_gbp: None,
        company_number: "08845120",
        financial_year_end: "03-31",
        parent: None,
        tagline: "Holiday parks and lodges in the Lake District and Northumberland.",
    },
    SiteSpec {
        slug: "pennywhistle",
        name: "Pennywhistle Crafts Ltd",
        org_type: "company",
        sector: "Retail",
        turnover_gbp: Some(4_200_000),
        budget_gbp: None,
        company_number: "11203345",
        financial_year_end: "12-31",
        parent: None,
        tagline: "Knitting yarn and craft kits, posted daily.",
    },
    SiteSpec {
        slug: "eastmere-council",
        name: "Eastmere Borough Council",
        org_type: "local_authority",
        sector: "Public sector",
        turnover_gbp: None,
        budget_gbp: Some(412_000_000),
        company_number: "",
        financial_year_end: "03-31",
        parent: None,
        tagline: "Services for the people of Eastmere.",
    },
    SiteSpec {
        slug: "eastmere-homes",
        name: "Eastmere Homes Limited",
        org_type: "public_body",
        sector: "Public sector",
        turnover_gbp: None,
        budget_gbp: Some(64_000_000),
        company_number: "09917734",
        financial_year_end: "03-31",
        parent: Some("eastmere-council"),
        tagline: "Managing Eastmere's council homes.",
    },
    SiteSpec {
        slug: "eastmere-leisure",
        name: "Eastmere Leisure Trust",
        org_type: "public_body",
        sector: "Public sector",
        turnover_gbp: None,
        budget_gbp: Some(38_000_000),
        company_number: "",
        financial_year_end: "03-31",
        parent: Some("eastmere-council"),
        tagline: "Pools, gyms and parks across Eastmere.",
    },
    SiteSpec {
        slug: "kestrel-group",
        name: "Kestrel Group plc",
        org_type: "company",
        sector: "Engineering",
        turnover_gbp: Some(912_000_000),
        budget_gbp: None,
        company_number: "01187342",
        financial_year_end: "12-31",
        parent: None,
        tagline: "Precision engineering for energy, rail and aviation.",
    },
    SiteSpec {
        slug: "kestrel-engineering",
        name: "Kestrel Engineering Limited",
        org_type: "company",
        sector: "Engineering",
        turnover_gbp: Some(540_000_000),
        budget_gbp: None,
        company_number: "03321980",
        financial_year_end: "12-31",
        parent: Some("kestrel-group"),
        tagline: "Precision components for energy and rail.",
    },
    SiteSpec {
        slug: "kestrel-aviation",
        name: "Kestrel Aviation Services Limited",
        org_type: "company",
        sector: "Engineering",
        turnover_gbp: Some(214_000_000),
        budget_gbp: None,
        company_number: "06620115",
        financial_year_end: "12-31",
        parent: Some("kestrel-group"),
        tagline: "Aircraft engine maintenance and repair.",
    },
];

const HARBOURLINE_2026: &str = include_str!("sites/harbourline-2026.html");
const HARBOURLINE_2025: &str = include_str!("sites/harbourline-2025.html");
const TOLLBRIDGE: &str = include_str!("sites/tollbridge.html");
const MARROW_FINCH: &str = include_str!("sites/marrow-finch.html");
const COPPERLEAF: &str = include_str!("sites/copperleaf.html");
const EASTMERE_COUNCIL: &str = include_str!("sites/eastmere-council.html");
const KESTREL_GROUP: &str = include_str!("sites/kestrel-group.html");
const NORTHGATE_PDF: &[u8] = include_bytes!("sites/northgate-statement.pdf");

/// Where the statement of a site lives (used for cross-site links).
const KESTREL_STATEMENT: &str = "/responsibility/modern-slavery-statement";
const EASTMERE_STATEMENT: &str = "/about/modern-slavery-statement";

#[derive(Debug, Clone)]
struct Page {
    content_type: &'static str,
    body: Vec<u8>,
}

fn html(body: String) -> Page {
    Page {
        content_type: "text/html; charset=utf-8",
        body: body.into_bytes(),
    }
}

/// Escapes text for the generated pages (names contain `&`).
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plain homepage: header navigation, a welcome, and footer links (where
/// real sites usually put their statement link).
fn homepage(site: &SiteSpec, nav: &[(&str, &str)], footer: &[(&str, &str)]) -> String {
    let link = |(href, text): &(&str, &str)| format!("<a href=\"{}\">{}</a>", esc(href), esc(text));
    let nav: Vec<String> = nav.iter().map(link).collect();
    let footer: Vec<String> = footer.iter().map(link).collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{name}</title></head>\n<body>\n<header><a href=\"/\">{name}</a><nav>{nav}</nav></header>\n<main><h1>{name}</h1><p>{tagline}</p><p>Welcome to our website. Find out about our work, our people and how to contact us.</p></main>\n<footer>{footer} <a href=\"/contact\">Contact us</a> <a href=\"/privacy\">Privacy</a></footer>\n</body></html>\n",
        name = esc(site.name),
        tagline = esc(site.tagline),
        nav = nav.join(" "),
        footer = footer.join(" "),
    )
}

fn simple_page(site: &SiteSpec, title: &str, text: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{title} – {name}</title></head>\n<body><header><a href=\"/\">{name}</a></header><main><h1>{title}</h1><p>{text}</p></main></body></html>\n",
        name = esc(site.name),
        title = esc(title),
        text = esc(text),
    )
}

/// Builds every page of one site. `origin` maps a slug to its base URL, for
/// links across sites (subsidiaries linking to the group statement).
fn pages(site: &SiteSpec, origin: &dyn Fn(&str) -> String) -> HashMap<String, Page> {
    let mut p: HashMap<String, Page> = HashMap::new();
    let mut add = |path: &str, page: Page| {
        p.insert(path.to_string(), page);
    };
    add(
        "/robots.txt",
        Page {
            content_type: "text/plain; charset=utf-8",
            body: b"User-agent: *\nDisallow: /admin/\n".to_vec(),
        },
    );
    add("/about", html(simple_page(site, "About us", site.tagline)));
    add(
        "/contact",
        html(simple_page(
            site,
            "Contact us",
            "Write to us or call our office during working hours.",
        )),
    );
    add(
        "/privacy",
        html(simple_page(
            site,
            "Privacy notice",
            "How we use your personal information.",
        )),
    );
    let about = [("/about", "About us")];
    match site.slug {
        "harbourline" => {
            add(
                "/",
                html(homepage(
                    site,
                    &[
                        ("/about", "About us"),
                        ("/sustainability", "Sustainability"),
                    ],
                    &[("/sustainability/modern-slavery", "Modern slavery statement")],
                )),
            );
            add(
                "/sustainability",
                html(simple_page(
                    site,
                    "Sustainability",
                    "Our commitments on sourcing, packaging and people.",
                )),
            );
            add(
                "/sustainability/modern-slavery",
                html(format!(
                    "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Modern slavery – {name}</title></head><body><header><a href=\"/\">{name}</a></header><main><h1>Modern slavery</h1><p>We publish a statement every year under the Modern Slavery Act 2015.</p><ul><li><a href=\"/sustainability/modern-slavery-statement-2026\">Modern Slavery Statement 2026</a></li><li><a href=\"/sustainability/modern-slavery-statement-2025\">Modern Slavery Statement 2025</a></li></ul></main></body></html>\n",
                    name = esc(site.name)
                )),
            );
            add(
                "/sustainability/modern-slavery-statement-2026",
                html(HARBOURLINE_2026.to_string()),
            );
            add(
                "/sustainability/modern-slavery-statement-2025",
                html(HARBOURLINE_2025.to_string()),
            );
        }
        "tollbridge" => {
            add(
                "/",
                html(homepage(
                    site,
                    &about,
                    &[("/modern-slavery-statement", "Modern slavery statement")],
                )),
            );
            add("/modern-slavery-statement", html(TOLLBRIDGE.to_string()));
        }
        "marrow-finch" => {
            add(
                "/",
                html(homepage(
                    site,
                    &[("/about-us", "About us"), ("/people", "Our people")],
                    &[("/legal/modern-slavery", "Modern slavery statement")],
                )),
            );
            add("/legal/modern-slavery", html(MARROW_FINCH.to_string()));
        }
        "copperleaf" => {
            add(
                "/",
                html(homepage(
                    site,
                    &[
                        ("/collections", "Collections"),
                        ("/responsibility", "Responsibility"),
                    ],
                    &[("/responsibility/modern-slavery", "Modern Slavery Statement")],
                )),
            );
            add(
                "/responsibility/modern-slavery",
                html(COPPERLEAF.to_string()),
            );
        }
        "northgate" => {
            add(
                "/",
                html(homepage(
                    site,
                    &about,
                    &[(
                        "/files/northgate-modern-slavery-statement-2026.pdf",
                        "Modern Slavery Statement (PDF)",
                    )],
                )),
            );
            add(
                "/files/northgate-modern-slavery-statement-2026.pdf",
                Page {
                    content_type: "application/pdf",
                    body: NORTHGATE_PDF.to_vec(),
                },
            );
        }
        "eastmere-council" => {
            add(
                "/",
                html(homepage(
                    site,
                    &[
                        ("/council-and-democracy", "Council and democracy"),
                        ("/business", "Business"),
                    ],
                    &[
                        (EASTMERE_STATEMENT, "Modern slavery statement"),
                        ("/accessibility", "Accessibility"),
                    ],
                )),
            );
            add(EASTMERE_STATEMENT, html(EASTMERE_COUNCIL.to_string()));
        }
        "eastmere-homes" => {
            let target = format!("{}{EASTMERE_STATEMENT}", origin("eastmere-council"));
            add(
                "/",
                html(homepage(
                    site,
                    &about,
                    &[(&target, "Modern slavery statement")],
                )),
            );
        }
        "kestrel-group" => {
            add(
                "/",
                html(homepage(
                    site,
                    &[
                        ("/investors", "Investors"),
                        ("/responsibility", "Responsibility"),
                    ],
                    &[(KESTREL_STATEMENT, "Modern slavery statement")],
                )),
            );
            add(KESTREL_STATEMENT, html(KESTREL_GROUP.to_string()));
        }
        "kestrel-engineering" | "kestrel-aviation" => {
            let target = format!("{}{KESTREL_STATEMENT}", origin("kestrel-group"));
            add(
                "/",
                html(homepage(
                    site,
                    &about,
                    &[(&target, "Modern slavery statement")],
                )),
            );
        }
        // Bramblewood, Pennywhistle and the leisure trust publish nothing.
        _ => {
            add("/", html(homepage(site, &about, &[])));
        }
    }
    p
}

/// A running demo site.
#[derive(Debug, Clone)]
pub struct RunningSite {
    pub spec: SiteSpec,
    pub addr: SocketAddr,
}

impl RunningSite {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// The demo websites, running until this is dropped.
pub struct DemoSites {
    pub sites: Vec<RunningSite>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for DemoSites {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn serve_page(State(pages): State<Arc<HashMap<String, Page>>>, uri: Uri) -> Response {
    match pages.get(uri.path()) {
        Some(page) => {
            let mut r = page.body.clone().into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(page.content_type),
            );
            r
        }
        None => (StatusCode::NOT_FOUND, "Not found").into_response(),
    }
}

impl DemoSites {
    /// Binds every site on 127.0.0.1 (a free port each) and starts serving.
    pub async fn start() -> std::io::Result<DemoSites> {
        let mut listeners = vec![];
        for spec in SITES {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            listeners.push((spec.clone(), l.local_addr()?, l));
        }
        let origins: HashMap<&str, String> = listeners
            .iter()
            .map(|(s, a, _)| (s.slug, format!("http://{a}")))
            .collect();
        let origin = |slug: &str| origins.get(slug).cloned().unwrap_or_default();
        let mut sites = vec![];
        let mut tasks = vec![];
        for (spec, addr, listener) in listeners {
            let pages = Arc::new(pages(&spec, &origin));
            let app = Router::new().fallback(serve_page).with_state(pages);
            tasks.push(tokio::spawn(async move {
                // A demo site that stops serving only makes the crawl find less.
                let _ = axum::serve(listener, app).await;
            }));
            sites.push(RunningSite { spec, addr });
        }
        Ok(DemoSites { sites, tasks })
    }

    /// The native organisations CSV for the running sites (real ports).
    pub fn organisations_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(vec![]);
        let _ = w.write_record([
            "name",
            "website",
            "org_type",
            "sector",
            "turnover_gbp",
            "budget_gbp",
            "company_number",
            "financial_year_end",
            "parent",
        ]);
        for s in &self.sites {
            let parent = s
                .spec
                .parent
                .and_then(|p| SITES.iter().find(|x| x.slug == p))
                .map(|p| p.name)
                .unwrap_or("");
            let _ = w.write_record([
                s.spec.name.to_string(),
                s.url(),
                s.spec.org_type.to_string(),
                s.spec.sector.to_string(),
                s.spec
                    .turnover_gbp
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                s.spec.budget_gbp.map(|v| v.to_string()).unwrap_or_default(),
                s.spec.company_number.to_string(),
                s.spec.financial_year_end.to_string(),
                parent.to_string(),
            ]);
        }
        w.into_inner()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}
