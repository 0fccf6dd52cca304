//! A private libvirtd that loads only the nwfilter driver, inside the
//! libvirt side's host namespace.
//!
//! Isolation from the machine's own libvirt: `ip netns exec` runs the daemon
//! in that network namespace (so every ebtables/iptables command it forks
//! acts there) and in a mount namespace of its own whose mounts do not
//! propagate back. In it, a private directory is bind-mounted over
//! `/etc/libvirt` (holding `nwfilter/`, the test's filter copies, which
//! libvirtd reads at start and may rewrite), and tmpfs over `/run` and
//! libvirt's state and cache directories, so no binding of another run is
//! ever reloaded and nothing of the host's is written. The socket and the
//! pid file live in the test's work directory. `LIBVIRT_DRIVER_DIR` holds a
//! single link to the nwfilter driver: the other drivers are not needed and
//! the qemu driver would refuse to start without its system user.
//!
//! The daemon is stopped by its PID when the guard drops, also when the
//! test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::lab::run;

pub const LIBVIRTD: &str = "/usr/sbin/libvirtd";
pub const NWFILTER_DRIVER: &str =
    "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_nwfilter.so";

pub struct Libvirtd {
    child: Child,
    uri: String,
    log: PathBuf,
}

impl Libvirtd {
    /// Starts the daemon in namespace `netns`, its state under `work`, with
    /// the filters of `filter_dir`, and waits until it answers.
    pub fn start(netns: &str, work: &Path, filter_dir: &Path) -> Result<Libvirtd, String> {
        let etc = work.join("etc-libvirt");
        let drivers = work.join("drivers");
        let sock = work.join("sock");
        for dir in [&etc, &drivers, &sock] {
            std::fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        }
        copy_dir(filter_dir, &etc.join("nwfilter"))?;
        std::os::unix::fs::symlink(NWFILTER_DRIVER, drivers.join("libvirt_driver_nwfilter.so"))
            .map_err(|error| format!("driver link: {error}"))?;
        let log = work.join("libvirtd.log");
        let conf = work.join("libvirtd.conf");
        std::fs::write(
            &conf,
            format!(
                "unix_sock_dir = \"{}\"\nunix_sock_ro_perms = \"0700\"\nunix_sock_rw_perms = \"0700\"\n\
                 auth_unix_ro = \"none\"\nauth_unix_rw = \"none\"\nlog_level = 3\n\
                 log_outputs = \"3:file:{}\"\n",
                sock.display(),
                log.display()
            ),
        )
        .map_err(|error| format!("{}: {error}", conf.display()))?;
        // `ip netns exec` execs sh, which execs libvirtd: the child's PID is the daemon's.
        let script = r#"set -e
mount --bind "$1" /etc/libvirt
mount -t tmpfs nwf-differential /run
for dir in /var/lib/libvirt /var/cache/libvirt; do
    if [ -d "$dir" ]; then mount -t tmpfs nwf-differential "$dir"; fi
done
LIBVIRT_DRIVER_DIR="$2" exec /usr/sbin/libvirtd -f "$3" -p "$4"
"#;
        let child = Command::new("ip")
            .args(["netns", "exec", netns, "/bin/sh", "-c", script, "sh"])
            .arg(&etc)
            .arg(&drivers)
            .arg(&conf)
            .arg(work.join("libvirtd.pid"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(work.join("libvirtd.out"))
                    .map_err(|error| format!("libvirtd.out: {error}"))?,
            )
            .spawn()
            .map_err(|error| format!("starting libvirtd: {error}"))?;
        let mut daemon = Libvirtd {
            child,
            uri: format!(
                "nwfilter:///system?socket={}",
                sock.join("libvirt-sock").display()
            ),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if daemon.virsh(&["nwfilter-list"]).is_ok() {
                return Ok(daemon);
            }
            if let Ok(Some(status)) = daemon.child.try_wait() {
                let out = std::fs::read_to_string(work.join("libvirtd.out")).unwrap_or_default();
                return Err(format!(
                    "libvirtd exited ({status}): {out}{}",
                    daemon.log_tail()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "libvirtd did not answer in 20 s{}",
                    daemon.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn virsh(&self, args: &[&str]) -> Result<String, String> {
        run(Command::new("virsh")
            .args(["-q", "-c", &self.uri])
            .args(args))
    }

    /// The end of the daemon's log, to explain a failure.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(10)..].join("\n");
        if tail.is_empty() {
            String::new()
        } else {
            format!("\nlibvirtd log:\n{tail}")
        }
    }
}

impl Drop for Libvirtd {
    fn drop(&mut self) {
        // SIGTERM first, so that it removes its socket and pid file; the
        // child is ours and not yet reaped, so its PID cannot have been reused.
        let pid = self.child.id().to_string();
        let _ = run(Command::new("kill").args(["-TERM", &pid]));
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies the files of `from` into a new directory `to`.
pub fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|error| format!("{}: {error}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|error| format!("{}: {error}", from.display()))?;
    for entry in entries {
        let path = entry.map_err(|error| error.to_string())?.path();
        if path.is_file() {
            let target = to.join(path.file_name().expect("a file has a name"));
            std::fs::copy(&path, &target)
                .map_err(|error| format!("{}: {error}", path.display()))?;
        }
    }
    Ok(())
}
