//! The reports `apply`, `bind`, `unbind` and `status` print on stdout with
//! `--output json`: one JSON object per run, from the types below, so that
//! configuration management reads the outcome without parsing prose. The
//! text form of the same facts goes to stderr (apply, bind, unbind) or
//! stdout (status).

use serde::Serialize;

/// `--output` of the commands that change or read the kernel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Sentences on stderr (a diff on stdout for `apply --check`, a table
    /// on stdout for `status`).
    #[default]
    #[value(alias = "human")]
    Text,
    /// One JSON object on stdout.
    Json,
}

/// The options `bind` and `unbind` share: print the transactions, or
/// report on what ran.
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct RunArgs {
    /// Print the transactions instead of running them.
    #[arg(long)]
    pub dry_run: bool,
    /// Form of the report: text (sentences on stderr) or json (one object
    /// on stdout).
    #[arg(
        long,
        value_enum,
        default_value_t,
        visible_alias = "format",
        conflicts_with = "dry_run"
    )]
    pub output: Output,
}

/// How a run of `apply` or `bind` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The transaction ran (`apply`), or at least one interface changed
    /// (`bind`).
    Applied,
    /// The kernel already held exactly this: no transaction ran.
    Unchanged,
    /// `--check`: the kernel holds exactly these bindings.
    InSync,
    /// `--check`: `apply` would change the kernel.
    WouldChange,
    /// The input was refused (diagnostics on stderr), or nft refused the
    /// transaction.
    Refused,
    /// A usage, I/O or system error (message on stderr).
    Error,
}

/// What happened to one interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Newly bound.
    Bound,
    /// Its chains were replaced.
    Rebound,
    /// It already was exactly so.
    Unchanged,
    /// Its filtering was removed.
    Unbound,
    /// `unbind`: it was not bound; nothing to do.
    NotBound,
}

#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub interface: String,
    /// The port id (absent when the interface is not bound).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
}

/// The report of `apply` (with or without `--check`) and `bind`.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    pub command: &'static str,
    pub outcome: Outcome,
    /// The process exit status.
    pub exit: u8,
    pub interfaces: Vec<Entry>,
    /// `apply --check`: the unified diff from the kernel's tables to the
    /// wanted ones (empty when in sync).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

impl Run {
    pub fn new(command: &'static str, outcome: Outcome) -> Run {
        Run {
            command,
            outcome,
            exit: 0,
            interfaces: Vec::new(),
            diff: None,
        }
    }

    /// Prints the report (as JSON, when asked) and ends the run with
    /// `result`.
    pub fn finish(mut self, output: Output, result: crate::Outcome) -> crate::Outcome {
        self.exit = match result {
            crate::Outcome::Clean => 0,
            crate::Outcome::Findings => 1,
            crate::Outcome::Failure => 2,
        };
        if output == Output::Json {
            print_json(&self);
        }
        result
    }
}

/// The report of `status`.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// Both nwf tables exist.
    pub tables: bool,
    pub interfaces: Vec<InterfaceStatus>,
    /// The interfaces libvirt's nwfilter driver has rules on, nwf's or not.
    pub libvirt_filtered: Vec<String>,
}

/// How an interface learns its IPv4 addresses, and what it learned.
#[derive(Clone, Debug, Serialize)]
pub struct LearningStatus {
    /// `any` or `dhcp`.
    pub mode: String,
    pub addresses: Vec<LearnedAddress>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LearnedAddress {
    pub address: String,
    /// When the DHCP lease ends (Unix seconds); `null` for `any`.
    pub expires: Option<u64>,
}

/// One bound interface, as the kernel holds it.
#[derive(Clone, Debug, Serialize)]
pub struct InterfaceStatus {
    pub interface: String,
    pub port: u16,
    /// Where the binding was written: `domain`, `filterbinding` or `nwf`
    /// (absent when the kernel holds no readable record).
    pub source: Option<&'static str>,
    pub domain: Option<Domain>,
    pub mac: Option<String>,
    pub filter: Option<String>,
    pub parameters: Vec<Parameter>,
    /// The values of the `IP` and `IPV6` parameters.
    pub ip_addresses: Vec<String>,
    pub bridge_chains: Vec<String>,
    pub inet_chains: Vec<String>,
    /// IP address learning: the mode and what was learned.
    pub learning: Option<LearningStatus>,
    /// libvirt's own nwfilter chains on the same interface
    /// (`family table chain`): libvirt's driver filters it too.
    pub libvirt_chains: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Domain {
    pub name: String,
    pub uuid: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Parameter {
    pub name: String,
    pub value: String,
}

/// Prints `value` as one line of JSON on stdout.
pub fn print_json(value: &impl Serialize) {
    match serde_json::to_string(value) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("nwf: cannot write the JSON report: {error}"),
    }
}
