//! Plain domain types shared by every stage of the pipeline. No I/O, no
//! database, HTTP or parser types: `extract`, `score`, `store`, `crawl` and
//! `web` all speak in these.

mod assessment;
mod document;
mod entity;
mod evidence;
mod filing;
mod finding;
mod ocr;
mod officer;

pub use assessment::*;
pub use document::*;
pub use entity::*;
pub use evidence::*;
pub use filing::*;
pub use finding::*;
pub use ocr::*;
pub use officer::*;
