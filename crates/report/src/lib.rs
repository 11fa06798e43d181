//! sluice's reviewer report: [`render_html`] turns a run's [`Manifest`](sluice_lineage::Manifest)
//! into one self-contained static HTML page (inline CSS and SVG, no scripts, no external assets)
//! showing the funnel, redactions, rule results, dedup, quarantine reasons with record ids,
//! conservation, gates, digests and the commands to verify them.

pub mod escape;
pub mod page;
pub mod sample;
pub mod svg;

pub use escape::escape_html;
pub use page::{render_html, render_report};
pub use sample::{Cluster, QuarantineSample};
