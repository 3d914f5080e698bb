//! The one integration-test binary (one link step on 2 cores). Each area of
//! the pipeline has its own module.

mod accounts;
mod bounded;
mod check_cli;
mod cli_manners;
mod companies_house;
mod crawl;
mod docs;
mod extract_docx_html;
mod extract_pdf;
mod layout;
mod ocr;
mod pages;
mod pg;
mod registry_years;
mod score;
mod store;
mod web;
