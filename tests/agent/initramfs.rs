//! The test guest's initramfs: busybox (statically linked) as `/init`'s
//! shell, which mounts `/proc`, says it is up on the console and waits.

use std::fs;
use std::path::Path;

/// An initramfs (newc cpio) whose `/init` mounts `/proc`, says it is up on
/// the console and waits forever: busybox, statically linked, is its shell.
pub fn initramfs(busybox: &Path) -> Result<Vec<u8>, String> {
    let busybox = fs::read(busybox).map_err(|error| format!("{}: {error}", busybox.display()))?;
    let init = b"#!/bin/busybox sh\n/bin/busybox mount -t proc proc /proc\necho nwf-guest-up\n\
                 while true; do /bin/busybox sleep 3600; done\n";
    let mut archive = Vec::new();
    let entries: [(&str, u32, &[u8]); 5] = [
        ("bin", 0o040_755, b""),
        ("proc", 0o040_755, b""),
        ("bin/busybox", 0o100_755, &busybox),
        ("init", 0o100_755, init),
        ("TRAILER!!!", 0, b""),
    ];
    for (inode, (name, mode, data)) in (1u32..).zip(entries) {
        let fields = [
            inode,
            mode,
            0,
            0,
            1,
            0,
            u32::try_from(data.len()).map_err(|_| "busybox is too big")?,
            0,
            0,
            0,
            0,
            u32::try_from(name.len() + 1).expect("short name"),
            0,
        ];
        archive.extend_from_slice(b"070701");
        for field in fields {
            archive.extend_from_slice(format!("{field:08X}").as_bytes());
        }
        archive.extend_from_slice(name.as_bytes());
        archive.push(0);
        archive.resize(archive.len().next_multiple_of(4), 0);
        archive.extend_from_slice(data);
        archive.resize(archive.len().next_multiple_of(4), 0);
    }
    Ok(archive)
}
