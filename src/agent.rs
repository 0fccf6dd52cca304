//! `nwf agent`: follows a libvirt host's domains and keeps nwf's tables
//! equal to what the running ones need. See docs/agent.md.

pub mod domain;
pub mod handover;
mod learned;
pub use learned::{in_kernel as learned_in_kernel, now as learned_now};
mod learner;
mod libvirt;
mod metadata;
mod quarantine;
pub mod reconcile;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use libvirt::{Connection, Message};
use reconcile::{Reconciler, Scope};

use crate::Outcome;
use crate::sources::SourceArgs;

/// Follow libvirt's domains and filter their interfaces with nwf.
///
/// Connects to libvirt (--connect, default qemu:///system) and binds every
/// interface that a running domain hands to nwf in its <metadata> (see
/// `nwf adopt`), from the domain's live XML: at start, when a domain
/// starts, resumes or migrates in, when an interface is plugged in, and
/// when the metadata changes. What a domain no longer needs (it stopped or
/// crashed, the interface was unplugged) is unbound, so a later domain that
/// gets the same tap name never inherits its rules. A filter file that
/// changes (libvirt's directory, /etc/libvirt/nwfilter, and every
/// --filter-dir) re-binds the interfaces that use it. Input with an error,
/// or a warning that widens a rule (unless --lenient), changes nothing: an
/// interface keeps its previous rules, and one that has none drops all its
/// traffic (filter nwf-quarantine) until the input is fixed. When libvirtd
/// restarts, the agent reconnects and reconciles; a pass that finds nothing
/// new leaves the ruleset untouched. Stopping the agent leaves the rules in
/// place. Every log line (stderr) names the domain and the interface.
///
/// Exit status:
///   0  stopped by SIGTERM or SIGINT (--once: one pass done)
///   2  libvirt or the kernel cannot be used (--once: also when a pass had
///      refused or failed interfaces)
///
/// Examples:
///   nwf agent
///   nwf agent --connect qemu:///system --filter-dir /etc/nwf/filters
///   nwf agent --once
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
#[allow(clippy::doc_markdown)] // the text is `nwf agent --help`, not rustdoc
pub struct Args {
    #[command(flatten)]
    connection: ConnectArgs,
    #[command(flatten)]
    sources: SourceArgs,
    /// One pass over every running domain, then exit.
    #[arg(long, conflicts_with = "learn_only")]
    once: bool,
    /// Follow no libvirt domains: only learn IP addresses for the
    /// interfaces bound by `nwf apply` and `nwf bind` (and end their leases).
    #[arg(long)]
    learn_only: bool,
}

/// The libvirt connection of `agent`, `adopt` and `release`.
#[derive(clap::Args)]
#[allow(clippy::doc_markdown)] // the text is `--help`, not rustdoc
pub struct ConnectArgs {
    /// libvirt connection URI.
    #[arg(
        long,
        short = 'c',
        default_value = "qemu:///system",
        value_name = "URI"
    )]
    pub connect: String,
}

/// How long a burst of events may take to settle before a pass.
const SETTLE: Duration = Duration::from_millis(50);
/// The longest wait between two attempts to reach libvirt.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

pub fn run(args: &Args) -> Outcome {
    let mut reconciler = Reconciler::new(args.sources.filter_dirs.clone(), args.sources.policy());
    if args.learn_only {
        return learn_only(&reconciler);
    }
    if let Err(message) = libvirt::start_event_loop() {
        eprintln!("nwf agent: {message}");
        return Outcome::Failure;
    }
    let (sender, receiver) = mpsc::channel();
    if args.once {
        return match Connection::open(&args.connection.connect, &sender) {
            Ok(connection) => match pass_all(&mut reconciler, &connection) {
                Some(summary) if summary.failed + summary.held + summary.quarantined == 0 => {
                    Outcome::Clean
                }
                _ => Outcome::Failure,
            },
            Err(message) => {
                eprintln!(
                    "nwf agent: cannot connect to {}: {message}",
                    args.connection.connect
                );
                Outcome::Failure
            }
        };
    }
    // IP address learning: without it, interfaces that learn stay in
    // their learning filter (closed), and the log says why.
    if let Err(message) = learner::spawn(sender.clone()) {
        eprintln!("nwf agent: IP address learning is off: {message}");
    }
    if let Err(message) = watch_signals(sender.clone()) {
        eprintln!("nwf agent: {message}");
        return Outcome::Failure;
    }
    let _watcher = match watch_files(&reconciler.watched_dirs(), sender.clone()) {
        Ok(watcher) => watcher,
        Err(message) => {
            eprintln!("nwf agent: {message}");
            return Outcome::Failure;
        }
    };
    let mut backoff = Duration::from_millis(500);
    loop {
        let connection = match Connection::open(&args.connection.connect, &sender) {
            Ok(connection) => {
                eprintln!("nwf agent: connected to {}", args.connection.connect);
                backoff = Duration::from_millis(500);
                connection
            }
            Err(message) => {
                eprintln!(
                    "nwf agent: cannot connect to {} ({message}); trying again in {:.1} s",
                    args.connection.connect,
                    backoff.as_secs_f64()
                );
                if wait_for_stop(&receiver, backoff) {
                    return stopped();
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        pass_all(&mut reconciler, &connection);
        match follow(&mut reconciler, &connection, &receiver) {
            Ended::Stop => return stopped(),
            Ended::Closed(reason) => {
                eprintln!(
                    "nwf agent: lost the connection to libvirt ({reason}); the rules stay, reconnecting"
                );
            }
        }
    }
}

/// The next message; meanwhile, the DHCP leases that end are ended.
/// `None` when every sender is gone.
fn next_message(reconciler: &Reconciler, receiver: &Receiver<Message>) -> Option<Message> {
    loop {
        let Some(expiry) = learned::next_expiry() else {
            return receiver.recv().ok();
        };
        // At least a second, so that a lease whose end cannot be applied (a
        // refused filter) is not retried in a loop.
        let wait = Duration::from_secs(expiry.saturating_sub(learned::now()).max(1));
        match receiver.recv_timeout(wait) {
            Ok(message) => return Some(message),
            Err(RecvTimeoutError::Timeout) => {
                if let Err(message) = learned::expire(reconciler) {
                    eprintln!("nwf agent: ending leases: {message}");
                }
            }
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

/// `--learn-only`: the learner, the lease ends and the signals, no libvirt.
fn learn_only(reconciler: &Reconciler) -> Outcome {
    let (sender, receiver) = mpsc::channel();
    if let Err(message) = learner::spawn(sender.clone()).and_then(|()| watch_signals(sender)) {
        eprintln!("nwf agent: {message}");
        return Outcome::Failure;
    }
    eprintln!("nwf agent: learning IP addresses (no libvirt)");
    loop {
        let Some(message) = next_message(reconciler, &receiver) else {
            return stopped();
        };
        match message {
            Message::Learned { interface, lesson } => {
                if let Err(message) = learned::learn(reconciler, &interface, &lesson) {
                    eprintln!("nwf agent: {interface}: learning: {message}");
                }
            }
            Message::Stop => return stopped(),
            _ => {}
        }
    }
}

enum Ended {
    Stop,
    Closed(String),
}

/// Handles events until the connection closes or the agent is stopped.
fn follow(
    reconciler: &mut Reconciler,
    connection: &Connection,
    receiver: &Receiver<Message>,
) -> Ended {
    loop {
        let Some(first) = next_message(reconciler, receiver) else {
            return Ended::Stop;
        };
        // Gather the burst: a start brings lifecycle and device events.
        let mut domains = BTreeSet::new();
        let mut files = false;
        let mut next = Some(first);
        let deadline = Instant::now() + SETTLE;
        while let Some(message) = next.take() {
            match message {
                Message::Stop => return Ended::Stop,
                Message::Closed(reason) => return Ended::Closed(reason),
                Message::Domain { uuid, name, what } => {
                    eprintln!("nwf agent: {name}: event: {what}");
                    domains.insert(uuid);
                }
                Message::Learned { interface, lesson } => {
                    if let Err(message) = learned::learn(reconciler, &interface, &lesson) {
                        eprintln!("nwf agent: {interface}: learning: {message}");
                    }
                }
                Message::Files(paths) => {
                    for path in paths {
                        eprintln!("nwf agent: event: {} changed", path.display());
                    }
                    files = true;
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            next = receiver.recv_timeout(left).ok();
        }
        if files {
            pass_all(reconciler, connection);
        } else {
            pass_domains(reconciler, connection, &domains);
        }
    }
}

/// A pass over every running domain.
fn pass_all(reconciler: &mut Reconciler, connection: &Connection) -> Option<reconcile::Summary> {
    let running = match libvirt::running_domains(&connection.connect) {
        Ok(running) => running,
        Err(message) => {
            eprintln!("nwf agent: listing the running domains: {message}; nothing changed");
            return None;
        }
    };
    let mut views = Vec::new();
    for domain in running {
        match domain::read(&domain.xml) {
            Ok(view) => views.push(view),
            Err(message) => {
                // Its interfaces are neither bound nor unbound: a pass over
                // one domain's XML that cannot be read must not open them.
                eprintln!(
                    "nwf agent: domain {}: cannot read its XML: {message}",
                    domain.uuid
                );
                return None;
            }
        }
    }
    report(reconciler.reconcile(&views, &Scope::All))
}

/// A pass over the domains with these UUIDs.
fn pass_domains(reconciler: &mut Reconciler, connection: &Connection, uuids: &BTreeSet<String>) {
    let mut views = Vec::new();
    let mut scope = BTreeSet::new();
    for uuid in uuids {
        match libvirt::running_domain(&connection.connect, uuid) {
            Ok(Some(running)) => match domain::read(&running.xml) {
                Ok(view) => {
                    views.push(view);
                    scope.insert(uuid.clone());
                }
                Err(message) => {
                    eprintln!("nwf agent: domain {uuid}: cannot read its XML: {message}");
                }
            },
            // Not running (or gone): everything of it is unbound.
            Ok(None) => {
                scope.insert(uuid.clone());
            }
            Err(message) => {
                eprintln!("nwf agent: domain {uuid}: {message}; nothing changed for it");
            }
        }
    }
    report(reconciler.reconcile(&views, &Scope::Domains(&scope)));
}

fn report(result: Result<reconcile::Summary, String>) -> Option<reconcile::Summary> {
    match result {
        Ok(summary) => {
            eprintln!(
                "nwf agent: pass done: {} changed, {} unchanged, {} unbound, {} held, {} quarantined, {} failed",
                summary.changed,
                summary.unchanged,
                summary.unbound,
                summary.held,
                summary.quarantined,
                summary.failed
            );
            Some(summary)
        }
        Err(message) => {
            eprintln!("nwf agent: {message}; nothing more changed");
            None
        }
    }
}

fn stopped() -> Outcome {
    eprintln!("nwf agent: stopping; the rules stay in the kernel");
    Outcome::Clean
}

/// Waits `time` for a stop; true if one came.
fn wait_for_stop(receiver: &Receiver<Message>, time: Duration) -> bool {
    let deadline = Instant::now() + time;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return true,
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => return false,
        }
    }
}

fn watch_signals(sender: Sender<Message>) -> Result<(), String> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT])
        .map_err(|error| format!("installing signal handlers: {error}"))?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = sender.send(Message::Stop);
            }
        })
        .map_err(|error| format!("starting the signal thread: {error}"))?;
    Ok(())
}

/// Watches the filter directories (inotify): any change of a file in them
/// sends its path.
fn watch_files(
    dirs: &[PathBuf],
    sender: Sender<Message>,
) -> Result<notify::RecommendedWatcher, String> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if matches!(
                event.kind,
                EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
            ) {
                let _ = sender.send(Message::Files(event.paths));
            }
        }
    })
    .map_err(|error| format!("watching the filter directories: {error}"))?;
    for dir in dirs {
        if dir.exists() {
            watcher
                .watch(dir, RecursiveMode::Recursive)
                .map_err(|error| format!("watching {}: {error}", dir.display()))?;
        } else {
            eprintln!("nwf agent: {} does not exist; not watched", dir.display());
        }
    }
    Ok(watcher)
}
