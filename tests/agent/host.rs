//! A libvirt host of the test's own: a network namespace with a bridge, and
//! in it (and in a private mount namespace) a real libvirtd with its qemu
//! driver, the QEMU guests it starts, and `nwf agent`.
//!
//! Isolation: a holder process (`sleep`) owns the two namespaces; libvirtd,
//! the agent, `nft` and `nwf status` enter them with `nsenter`. In the
//! mount namespace a directory of the test is bind-mounted over
//! `/etc/libvirt` (its `qemu.conf` runs guests as root without a security
//! driver), copies of `/etc/passwd` and `/etc/group` that add the
//! `libvirt-qemu` user the qemu driver looks up at start are mounted over
//! the real ones, and tmpfs over `/run` and libvirt's state, cache and log
//! directories. Nothing reaches the host's libvirt, files or ruleset.
//! Every process is stopped by its PID when the host drops, also when the
//! test fails, and the namespace is deleted.
//!
//! The guest is Debian's cloud kernel with an initramfs of busybox that
//! only waits (written here), so that the guest's kernel answers PCI
//! hot-unplug: `detach-device` of an interface completes only when a guest
//! OS releases it. `scripts/setup` fetches the two Debian packages and
//! extracts them into `target/guest/` (nothing is installed).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const LIBVIRTD: &str = "/usr/sbin/libvirtd";
const DRIVERS: &str = "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver";

/// What the test needs from the machine, or why it cannot run.
pub fn guest_files() -> Result<(PathBuf, PathBuf), String> {
    let guest = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/guest");
    let kernel = guest.join("vmlinuz");
    let busybox = guest.join("busybox");
    for (path, what) in [(&kernel, "the guest kernel"), (&busybox, "busybox")] {
        if !path.is_file() {
            return Err(format!(
                "{what} is missing at {} (scripts/setup fetches it)",
                path.display()
            ));
        }
    }
    for program in [LIBVIRTD, "/usr/bin/qemu-system-x86_64", "/usr/bin/virsh"] {
        if !Path::new(program).exists() {
            return Err(format!("{program} is missing (scripts/setup installs it)"));
        }
    }
    for driver in ["libvirt_driver_qemu.so", "libvirt_driver_nwfilter.so"] {
        if !Path::new(DRIVERS).join(driver).exists() {
            return Err(format!(
                "libvirt's {driver} is missing (scripts/setup installs it)"
            ));
        }
    }
    Ok((kernel, busybox))
}

pub struct Host {
    pub work: PathBuf,
    netns: String,
    holder: Child,
    libvirtd: Option<Child>,
    agent: Option<Child>,
    pub uri: String,
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    /// The network namespaces of veth guests, deleted on drop.
    guests: Vec<String>,
    /// Other processes of the test (DHCP servers and clients), stopped on
    /// drop.
    processes: Vec<Child>,
}

impl Host {
    /// The namespaces, the bridge `br0`, the configuration; no daemon yet.
    /// `name` tells the hosts of one test process apart.
    pub fn new(name: &str, kernel: PathBuf, busybox: &Path) -> Result<Host, String> {
        let id = format!("{}-{name}", std::process::id());
        let netns = format!("nwf-agent-{id}");
        let work = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/agent-e2e")
            .join(&id);
        let _ = fs::remove_dir_all(&work);
        for dir in ["etc/nwfilter", "drivers", "sock", "filters"] {
            fs::create_dir_all(work.join(dir)).map_err(|error| format!("{dir}: {error}"))?;
        }
        // The qemu driver, and libvirt's nwfilter driver for the domains
        // that keep libvirt's own <filterref> (`nwf adopt` moves them).
        for driver in ["libvirt_driver_qemu.so", "libvirt_driver_nwfilter.so"] {
            std::os::unix::fs::symlink(
                Path::new(DRIVERS).join(driver),
                work.join("drivers").join(driver),
            )
            .map_err(|error| format!("driver link: {error}"))?;
        }
        write(
            &work.join("etc/qemu.conf"),
            "user = \"root\"\ngroup = \"root\"\ndynamic_ownership = 0\nsecurity_driver = \"none\"\n\
             stdio_handler = \"file\"\ncgroup_controllers = [ ]\n",
        )?;
        write(
            &work.join("libvirtd.conf"),
            &format!(
                "unix_sock_dir = \"{}\"\nunix_sock_ro_perms = \"0700\"\nunix_sock_rw_perms = \"0700\"\n\
                 auth_unix_ro = \"none\"\nauth_unix_rw = \"none\"\nlog_level = 3\n\
                 log_outputs = \"3:file:{}\"\n",
                work.join("sock").display(),
                work.join("libvirtd.log").display()
            ),
        )?;
        let passwd = fs::read_to_string("/etc/passwd").map_err(|error| error.to_string())?;
        let group = fs::read_to_string("/etc/group").map_err(|error| error.to_string())?;
        let has = |text: &str, name: &str| {
            text.lines()
                .any(|line| line.starts_with(&format!("{name}:")))
        };
        let mut passwd = passwd.clone();
        if !has(&passwd, "libvirt-qemu") {
            passwd.push_str(
                "libvirt-qemu:x:64055:64055:libvirt qemu:/var/lib/libvirt:/usr/sbin/nologin\n",
            );
        }
        let mut group = group.clone();
        for (name, gid) in [("libvirt-qemu", 64055), ("kvm", 64056)] {
            if !has(&group, name) {
                group.push_str(&[name, "x", &gid.to_string(), "\n"].join(":"));
            }
        }
        write(&work.join("passwd"), &passwd)?;
        write(&work.join("group"), &group)?;
        let initrd = work.join("initrd.img");
        fs::write(&initrd, crate::initramfs::initramfs(busybox)?)
            .map_err(|error| error.to_string())?;

        run(Command::new("ip").args(["netns", "add", &netns]))?;
        let holder_script = r#"set -e
mount --bind "$1/etc" /etc/libvirt
mount --bind "$1/passwd" /etc/passwd
mount --bind "$1/group" /etc/group
mount -t tmpfs nwf-agent-e2e /run
for dir in /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
    if [ -d "$dir" ]; then mount -t tmpfs nwf-agent-e2e "$dir"; fi
done
ip link set lo up
ip link add br0 type bridge
ip link set br0 up
touch "$1/ready"
exec sleep infinity
"#;
        let holder = Command::new("ip")
            .args([
                "netns",
                "exec",
                &netns,
                "unshare",
                "--mount",
                "--propagation",
                "private",
            ])
            .args(["/bin/sh", "-c", holder_script, "sh"])
            .arg(&work)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file(&work.join("holder.err"))?)
            .spawn()
            .map_err(|error| format!("starting the namespace holder: {error}"))?;
        let uri = format!(
            "qemu:///system?socket={}",
            work.join("sock/libvirt-sock").display()
        );
        let host = Host {
            work,
            netns,
            holder,
            libvirtd: None,
            agent: None,
            uri,
            kernel,
            initrd,
            guests: Vec::new(),
            processes: Vec::new(),
        };
        let ready = host.work.join("ready");
        wait_until(Duration::from_secs(10), || ready.exists()).map_err(|()| {
            format!(
                "the namespace holder did not get ready: {}",
                fs::read_to_string(host.work.join("holder.err")).unwrap_or_default()
            )
        })?;
        Ok(host)
    }

    /// A command that runs in the host's namespaces.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new("nsenter");
        command
            .arg("-t")
            .arg(self.holder.id().to_string())
            .args(["-m", "-n", "--"])
            .arg(program);
        command
    }

    pub fn start_libvirtd(&mut self) -> Result<(), String> {
        let child = self
            .command("/usr/bin/env")
            .arg(format!(
                "LIBVIRT_DRIVER_DIR={}",
                self.work.join("drivers").display()
            ))
            .arg(LIBVIRTD)
            .arg("-f")
            .arg(self.work.join("libvirtd.conf"))
            .arg("-p")
            .arg(self.work.join("libvirtd.pid"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file(&self.work.join("libvirtd.out"))?)
            .spawn()
            .map_err(|error| format!("starting libvirtd: {error}"))?;
        self.libvirtd = Some(child);
        wait_until(Duration::from_secs(30), || self.virsh(&["list"]).is_ok())
            .map(drop)
            .map_err(|()| {
                format!(
                    "libvirtd did not answer in 30 s{}",
                    self.log_tail("libvirtd.log")
                )
            })
    }

    pub fn stop_libvirtd(&mut self) {
        if let Some(child) = self.libvirtd.take() {
            stop(child);
        }
    }

    /// Starts `nwf agent` with `args`; its stderr goes to `agent.log`.
    pub fn start_agent(&mut self, args: &[&str]) -> Result<(), String> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.work.join("agent.log"))
            .map_err(|error| error.to_string())?;
        let child = self
            .command("/usr/bin/env")
            .arg(format!(
                "NWF_SYSTEM_FILTER_DIR={}",
                self.work.join("filters").display()
            ))
            .arg(env!("CARGO_BIN_EXE_nwf"))
            .args(["agent", "--connect", &self.uri])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|error| format!("starting the agent: {error}"))?;
        self.agent = Some(child);
        Ok(())
    }

    /// Stops the agent with SIGTERM and returns its exit code.
    pub fn stop_agent(&mut self) -> Option<i32> {
        let child = self.agent.take()?;
        stop(child)
    }

    pub fn virsh(&self, args: &[&str]) -> Result<String, String> {
        run(Command::new("virsh")
            .args(["-q", "-c", &self.uri])
            .args(args))
    }

    /// `nft -a list ruleset` in the namespace: every table, with handles.
    pub fn ruleset(&self) -> String {
        run(self.command("nft").args(["-a", "list", "ruleset"])).unwrap_or_else(|error| error)
    }

    /// `nwf ARGS` in the host's namespaces.
    pub fn nwf(&self, args: &[&str]) -> Output {
        self.command(env!("CARGO_BIN_EXE_nwf"))
            .args(args)
            .output()
            .expect("nwf runs")
    }

    /// `nwf status --output json`, parsed.
    pub fn status(&self) -> serde_json::Value {
        let text = run(self
            .command(env!("CARGO_BIN_EXE_nwf"))
            .args(["status", "--output", "json"]))
        .expect("nwf status runs");
        serde_json::from_str(&text).expect("nwf status prints JSON")
    }

    pub fn agent_log(&self) -> String {
        fs::read_to_string(self.work.join("agent.log")).unwrap_or_default()
    }

    pub fn log_tail(&self, name: &str) -> String {
        let text = fs::read_to_string(self.work.join(name)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        format!(
            "\n{name}:\n{}",
            lines[lines.len().saturating_sub(15)..].join("\n")
        )
    }

    /// Writes a domain XML from `template` (placeholders `@KERNEL@`,
    /// `@INITRD@`, `@CONSOLE@`) and defines it.
    pub fn define(&self, name: &str, template: &str) -> Result<(), String> {
        let xml = template
            .replace("@KERNEL@", &self.kernel.display().to_string())
            .replace("@INITRD@", &self.initrd.display().to_string())
            .replace("@CONSOLE@", &self.console(name).display().to_string());
        let path = self.work.join(format!("{name}.xml"));
        write(&path, &xml)?;
        self.virsh(&["define", &path.display().to_string()])
            .map(drop)
    }

    /// A guest of veth: namespace `NAME` (its end `eth0`, with `mac`) and
    /// the host's end `host_end` on `br0`, up.
    pub fn veth_guest(&mut self, name: &str, host_end: &str, mac: &str) -> Result<String, String> {
        let netns = format!("{}-{name}", self.netns);
        run(Command::new("ip").args(["netns", "add", &netns]))?;
        self.guests.push(netns.clone());
        let pid = self.holder.id().to_string();
        run(Command::new("ip").args([
            "link", "add", host_end, "netns", &pid, "type", "veth", "peer", "name", "eth0",
            "netns", &netns,
        ]))?;
        for args in [
            vec!["link", "set", host_end, "master", "br0"],
            vec!["link", "set", host_end, "up"],
        ] {
            run(self.command("ip").args(&args))?;
        }
        for args in [
            vec!["link", "set", "eth0", "address", mac],
            vec!["link", "set", "eth0", "up"],
            vec!["link", "set", "lo", "up"],
        ] {
            run(Command::new("ip")
                .args(["netns", "exec", &netns, "ip"])
                .args(&args))?;
        }
        Ok(netns)
    }

    /// Starts `command` in the background, its output in `WORK/LOG`; it is
    /// stopped by its PID when the host drops, or by [`Host::stop_process`]
    /// with the number this returns.
    pub fn spawn(&mut self, mut command: Command, log: &str) -> Result<usize, String> {
        let child = command
            .stdin(Stdio::null())
            .stdout(file(&self.work.join(log))?)
            .stderr(file(&self.work.join(format!("{log}.err")))?)
            .spawn()
            .map_err(|error| format!("{command:?}: {error}"))?;
        self.processes.push(child);
        Ok(self.processes.len() - 1)
    }

    /// Stops a process of [`Host::spawn`] by its PID (once).
    pub fn stop_process(&mut self, number: usize) {
        let child = std::mem::replace(
            &mut self.processes[number],
            Command::new("true").spawn().expect("true runs"),
        );
        stop(child);
    }

    pub fn console(&self, name: &str) -> PathBuf {
        self.work.join(format!("{name}.console"))
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        if let Some(child) = self.agent.take() {
            stop(child);
        }
        if self.libvirtd.is_some() {
            // Guests first, so no QEMU outlives the test.
            if let Ok(names) = self.virsh(&["list", "--name"]) {
                for name in names.split_whitespace() {
                    let _ = self.virsh(&["destroy", name]);
                }
            }
        }
        self.stop_libvirtd();
        for child in self.processes.drain(..) {
            stop(child);
        }
        for guest in &self.guests {
            let _ = Command::new("ip").args(["netns", "del", guest]).output();
        }
        let _ = self.holder.kill();
        let _ = self.holder.wait();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.netns])
            .output();
    }
}

/// SIGTERM, then SIGKILL after 10 s; the exit code.
fn stop(mut child: Child) -> Option<i32> {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .output();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    child.wait().ok().and_then(|status| status.code())
}

pub fn run(command: &mut Command) -> Result<String, String> {
    let output: Output = command
        .output()
        .map_err(|error| format!("{command:?}: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{command:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Polls `condition` every 20 ms until it holds or `limit` passes.
pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> Result<Duration, ()> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if condition() {
            return Ok(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if condition() {
        Ok(start.elapsed())
    } else {
        Err(())
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))
}

fn file(path: &Path) -> Result<fs::File, String> {
    fs::File::create(path).map_err(|error| format!("{}: {error}", path.display()))
}
