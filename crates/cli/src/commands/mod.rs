//! One file per subcommand.

pub mod check;
pub mod emit;
pub mod explain;
pub mod inspect;
pub mod list;
pub mod report;
pub mod run;
pub mod scan;
pub mod trace;
pub mod verify;
